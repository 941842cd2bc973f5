"""The networks: one adapter module each, behind the interface in `channels.base`."""
