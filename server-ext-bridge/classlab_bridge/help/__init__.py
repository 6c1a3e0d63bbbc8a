"""The in-process help relay (``help_backend = 'local'``): help requests, signed room tickets, and a y-websocket
message router that holds no Yjs state. See PROTOCOL.md next to this file."""
