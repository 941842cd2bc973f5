"""The live side of the desk: Socket.IO, the event stream and replay, presence, claim upkeep."""
