#include "app/serve_config.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/data_dir_lock.hpp"
#include "core/config.hpp"
#include "media/blob_store.hpp"

namespace switchboard::app {

namespace fs = std::filesystem;

// Puts --listen, --smtp-listen and --data-dir into the config (serve_config.hpp).
std::string apply_overrides(v1::Config& cfg, const serve_options& opts) {
  if (opts.listen) {
    cfg.mutable_server()->set_listen_address(opts.listen->address);
    cfg.mutable_server()->set_http_port(opts.listen->port);
  }
  if (opts.smtp_listen) {
    const auto& a = opts.smtp_listen->address;
    const std::string host = a.find(':') == std::string::npos ? a : "[" + a + "]";
    cfg.mutable_channels()->mutable_email()->set_smtp_listen(host + ":" + std::to_string(opts.smtp_listen->port));
  }
  if (opts.data_dir.empty()) return "redis.embedded.data_dir '" + cfg.redis().embedded().data_dir() + "'";
  const std::string named = "--data-dir '" + opts.data_dir + "'";
  try {
    create_folder(opts.data_dir, named);
  } catch (const std::runtime_error& e) {
    throw option_error(e.what());
  }
  cfg.mutable_redis()->mutable_embedded()->set_data_dir((fs::path(opts.data_dir) / "redis").string());
  return named;
}

// The blob store's folder and its URL key (serve_config.hpp).
void prepare_media(v1::Config& cfg) {
  auto& m = *cfg.mutable_channels()->mutable_media();
  if (m.folder().empty()) {
    fs::path data(cfg.redis().embedded().data_dir());
    if (!data.has_filename()) data = data.parent_path();  // "var/redis/"
    m.set_folder((data.parent_path() / "blobs").string());
  }
  try {
    media::folder_blob_store made(m.folder());
    m.set_url_secret(media::url_secret(m.folder(), m.url_secret()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("media.folder: ") + e.what());
  }
}

bool reload_config(live_config& live, const serve_options& opts) {
  reload_plan plan;
  try {
    v1::Config fresh = load_config(opts.config_path, process_env());
    apply_overrides(fresh, opts);
    prepare_media(fresh);
    plan = plan_reload(live.current().config, fresh);
  } catch (const std::exception& e) {  // config_error, option_error, media.folder
    spdlog::error("config reload refused, the running config stays: {}", e.what());
    return false;
  }
  for (const auto& key : plan.need_restart) {
    spdlog::warn("config reload: {} changed in {}: it takes effect at the next start", key, opts.config_path);
  }
  spdlog::default_logger()->set_level(spdlog::level::from_str(plan.next.log().level()));
  const auto& now = live.replace(plan.next);
  spdlog::info("config reloaded from {} (version {}): {} queues, {} agent profiles, {} canned replies, log.level {}",
               opts.config_path, now.number, now.config.queues_size(), now.config.agents_size(),
               now.config.canned_replies_size(), now.config.log().level());
  return true;
}

}  // namespace switchboard::app
