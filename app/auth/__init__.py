"""The domain: one module per flow. Plain values in, results or typed errors out; no `request`."""
