"""The live hub: websocket connections, rooms, the event log writer and cross-process fan-out."""
