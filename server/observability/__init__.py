"""What operators see of a running engine: Prometheus metrics and structured logs."""
