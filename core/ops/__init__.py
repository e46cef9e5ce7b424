"""Operations: queue introspection, dead letters, backpressure and the audit log."""
