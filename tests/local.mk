# make check: unit tests (check) for lib/, end-to-end cases for the tools.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	PATH='$(abs_top_builddir)':"$$PATH"; export PATH; \
	OED_VOCAB_DIR='$(abs_top_srcdir)/data'; export OED_VOCAB_DIR; \
	LC_ALL=C.UTF-8; export LC_ALL;

if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(CORE_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/unit/check_core
tests_unit_check_core_SOURCES = tests/unit/check_core.c
tests_unit_check_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_core_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_core
endif

TESTS += tests/cli/run.sh tests/family.sh
EXTRA_DIST += tests/cli tests/summary.sh tests/family.sh
TESTS += tests/docs.sh
EXTRA_DIST += tests/docs.sh tests/docs

# After the tests: one closing line with every suite's counts.
check-local: check-TESTS
	@$(SHELL) $(srcdir)/tests/summary.sh $(TESTS)
