"""Translation: gettext catalogs, their lifecycle, translating Documents, interface strings, review."""
