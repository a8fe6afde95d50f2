"""Audio files: joining speech into a loudness-matched MP3 with chapters, and WebVTT captions."""
