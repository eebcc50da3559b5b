# Shell completions; their words come from each tool's --list-options.
bashcompletiondir = $(datadir)/bash-completion/completions
zshcompletiondir = $(datadir)/zsh/site-functions
fishcompletiondir = $(datadir)/fish/vendor_completions.d
dist_zshcompletion_DATA = completions/_oed
dist_fishcompletion_DATA = completions/oed.fish
EXTRA_DIST += completions/oed.bash

# bash-completion loads a file named after the command being completed.
OED_COMPLETED = oed oed-ingest oed-entropy oed-mi oed-drift oed-tokens oed-bench oed-monitor oed-report
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/completions/oed.bash '$(DESTDIR)$(bashcompletiondir)/oed'
	for c in $(OED_COMPLETED); do \
		test $$c = oed || ln -sf oed '$(DESTDIR)$(bashcompletiondir)/'$$c; \
	done
uninstall-local:
	for c in $(OED_COMPLETED); do rm -f '$(DESTDIR)$(bashcompletiondir)/'$$c; done
