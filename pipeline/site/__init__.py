"""What spans the site: the build report for the clinic."""
