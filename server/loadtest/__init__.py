"""The load generator: simulated candidates and observers against a running server.

``interview-engine loadtest`` drives real interviews over the public HTTP API and the
websocket protocol exactly as a browser does (tickets, hello/resume, outbox, acks), in
several client processes, and reports delivery (loss, duplicates), latencies and CPU.
"""
