# make screenshots: PNGs of the home page, a category page and an article
# at a desktop width (1280 px) and a phone's (375 px), taken with Debian's
# headless Chromium from the demo site (conf/demo.sh in objs/shots/, on a
# free 127.0.0.1 port, stopped afterwards) into doc/screenshots/, which the
# README shows.  The PNGs are committed: run it again after a change of the
# templates and commit what changed.  It is never part of "make test".
#
#   make screenshots                    all six
#   make screenshots SHOTS_DIR=/tmp/x   somewhere else

# fonts-noto-cjk: the pages are Chinese, and a machine without a CJK font
# draws every character as a box
SHOTS_PKGS   = chromium fonts-noto-cjk
SHOTS_DIR   ?= doc/screenshots
CHROMIUM    ?= chromium

# installs only what is missing, as "make deps" does
screenshots-deps:
	@$(call deb_install,$(SHOTS_PKGS))

screenshots: deps
	$(MAKE) all screenshots-deps
	CHROMIUM=$(CHROMIUM) sh mk/screenshots.sh $(SHOTS_DIR)

.PHONY: screenshots screenshots-deps
