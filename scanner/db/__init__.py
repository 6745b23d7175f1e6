"""Database models, the engine factory and the queries the activities run."""
