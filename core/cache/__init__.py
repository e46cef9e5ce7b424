"""The response cache: tag-versioned values, single-flight reads, warming and statistics.

``service.Cache`` is the entry point; ``base`` holds the correctness rules, ``keys`` the
key and tag scheme, ``codec`` the stored format, ``track`` the write tracking that
invalidates after commit, ``warm`` the warming job's logic. See docs/decisions/0003.
"""
