// Placeholder until the native helper lands (replaced by the helper build).
