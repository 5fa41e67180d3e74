/*
 * clipboard.c - y copies the selected reference (DS:VER/path) to the
 * clipboard through the terminal: OSC 52, which xterm, kitty, iTerm2,
 * WezTerm and tmux (set-clipboard) understand, over SSH too.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

void clipboard_copy(ui *u)
{
	char ref[600];

	if (!*u->ds) {
		ui_message(u, true, "select a dataset first");
		return;
	}
	ui_ref_name(u, u->ds, u->ver, ref, sizeof(ref));
	bool file = *u->ver && *u->preview_path && (u->focus >= PANE_FILES || u->fullscreen);
	char *text = xasprintf("%s%s%s", ref, file ? "/" : "", file ? u->preview_path : "");
	size_t n = strlen(text);
	unsigned char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock(b64, (const unsigned char *)text, (int)n);
	if (u->term) {
		fprintf(u->term, "\033]52;c;%s\a", (char *)b64);
		fflush(u->term);
	}
	ui_message(u, false, "copied %s", text);
	free(b64);
	free(text);
}
