#pragma once
// `serve`'s config: the file with the command line's overrides (--listen, --smtp-listen,
// --data-dir) and the media folder prepared, at start-up and again at each SIGHUP (reload_config).

#include <string>

#include "app/serve.hpp"
#include "core/live_config.hpp"
#include "proto/config.pb.h"

namespace switchboard::app {

// Puts --listen, --smtp-listen and --data-dir into the config. Returns how the embedded data folder
// is named in messages. Throws option_error naming --data-dir when that folder cannot be made.
std::string apply_overrides(v1::Config& cfg, const serve_options& opts);

// The blob store's folder made, and the key its URLs are signed with (the config's, else the
// folder's own): every part of this process reads it from the config. Throws std::runtime_error
// naming media.folder.
void prepare_media(v1::Config& cfg);

// SIGHUP: reads opts.config_path again and puts its queues, agent profiles, canned replies and
// log.level in force (live_config::replace); a key of another section that changed is named in a
// warning and waits for a restart. A file that does not load or check is refused with the key's
// path in an error line, and the running config stays. Returns whether the reload was applied.
bool reload_config(live_config& live, const serve_options& opts);

}  // namespace switchboard::app
