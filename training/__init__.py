"""Rebuilds the bundled dog / cat / neither classifier (TensorFlow lives here, not in the app)."""
