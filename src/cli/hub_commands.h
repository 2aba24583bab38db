// Hub commands: `spacefactory whoami` and `spacefactory search models|datasets|spaces QUERY`.
// Both read HF_ENDPOINT / HF_TOKEN (or the huggingface token file) through ctx.env and ctx.fs,
// talk to the Hub through ctx.http, and return the exit code of DESIGN.md §1.
#pragma once

#include <string>

#include "cli/cli.h"
#include "cli/commands.h"

namespace sf::cli {

// Prints the account behind the token (name, full name, plan, orgs, token name and role).
// --json: one object. Exit 0, 2 (no token / refused), 3 (network, Hub error).
int CmdWhoami(const CommonFlags& common, Context& ctx);

// `kind` is "models", "datasets" or "spaces" (singular accepted); `query` is the Hub's `search`
// parameter (may be empty: list); `limit` ≥ 1 caps the results across pages.
// Human output: aligned columns ID, DOWNLOADS, LIKES, TASK (models) / SDK (spaces), UPDATED.
// --json: an array of objects {id, downloads, likes, pipeline_tag, library_name, sdk,
// lastModified, private}.
int CmdSearch(const std::string& kind, const std::string& query, int limit, bool json,
              Context& ctx);

}  // namespace sf::cli
