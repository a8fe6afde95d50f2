"""Speech synthesis: the voice table, pronunciation lexicons and the engine behind an interface."""
