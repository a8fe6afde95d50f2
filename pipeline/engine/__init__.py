"""The build engine: tasks with hashed inputs, a manifest, parallel workers, an atomic site swap."""
