"""HTTP routes: thin handlers that parse, call one action and serialize."""
