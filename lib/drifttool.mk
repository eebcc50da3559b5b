# drift tool: sources, unit tests and man page (see Makefile.am).
