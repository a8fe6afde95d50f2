"""Reading the project: site.toml, where files live, and Markdown articles into Documents."""
