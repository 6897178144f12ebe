// WhatsApp's 24-hour window and its templates: the {{n}} placeholders of a template's body, the
// body filled in from the config's template, and which replies the window lets go.
#include <gtest/gtest.h>

#include "conversation/rules.hpp"
#include "core/templates.hpp"

namespace switchboard {
namespace {

using conversation::fill_template;
using conversation::kWhatsAppWindowMs;
using conversation::whatsapp_window_refusal;

TEST(Templates, PlaceholdersAreOneToNWithNoneSkipped) {
  EXPECT_EQ(template_placeholders("Hello"), 0);
  EXPECT_EQ(template_placeholders("Hi {{1}}, order {{2}} ({{1}})"), 2);
  EXPECT_EQ(template_placeholders("{{2}} then {{1}}"), 2);
  EXPECT_EQ(template_placeholders("Hi {{2}}"), -1);
  EXPECT_EQ(template_placeholders("Hi {{0}}"), -1);
  EXPECT_EQ(template_placeholders("Hi {{x}}"), -1);
  EXPECT_EQ(template_placeholders("Hi {{1"), -1);
  EXPECT_EQ(template_placeholders("Hi {{}}"), -1);
  EXPECT_EQ(template_placeholders("{ {1} } and }} alone"), 0);
}

TEST(Templates, RenderFillsEveryPlaceholderOrNothing) {
  EXPECT_EQ(render_template("Hi {{1}}, order {{2}} ({{1}})", {"Ana", "1042"}), "Hi Ana, order 1042 (Ana)");
  EXPECT_EQ(render_template("Hi {{1}}", {"{{2}}"}), "Hi {{2}}");  // a value is never read again
  EXPECT_FALSE(render_template("Hi {{1}}", {}));
  EXPECT_FALSE(render_template("Hi {{1}}", {"a", "b"}));
  EXPECT_EQ(render_template("No variables", {}), "No variables");
}

std::vector<v1::WhatsAppTemplate> shipped() {
  std::vector<v1::WhatsAppTemplate> out(2);
  out[0].set_name("order_update");
  out[0].set_language("en_US");
  out[0].set_body("Hi {{1}}, order {{2}} has shipped.");
  out[0].add_variables("name");
  out[0].add_variables("order");
  out[1] = out[0];
  out[1].set_language("es_ES");
  out[1].set_body("Hola {{1}}, el pedido {{2}} ha salido.");
  return out;
}

v1::Message template_message(const std::string& name, const std::string& language, std::vector<std::string> values) {
  v1::Message m;
  m.set_channel(v1::CHANNEL_WHATSAPP);
  m.mutable_template_message()->set_name(name);
  m.mutable_template_message()->set_language(language);
  for (auto& v : values) m.mutable_template_message()->add_variables(v);
  return m;
}

TEST(Templates, FillTakesTheConfigsBodyAndLanguage) {
  auto m = template_message("order_update", "", {"Ana", "1042"});
  EXPECT_EQ(fill_template(shipped(), m), std::nullopt);
  EXPECT_EQ(m.body(), "Hi Ana, order 1042 has shipped.");
  EXPECT_EQ(m.template_message().language(), "en_US");
  m = template_message("order_update", "es_ES", {"Ana", "1042"});
  EXPECT_EQ(fill_template(shipped(), m), std::nullopt);
  EXPECT_EQ(m.body(), "Hola Ana, el pedido 1042 ha salido.");

  m = template_message("nope", "", {});
  EXPECT_EQ(fill_template(shipped(), m), "no template 'nope' (channels.whatsapp_templates)");
  m = template_message("order_update", "fr_FR", {"Ana", "1042"});
  EXPECT_EQ(fill_template(shipped(), m), "no template 'order_update' in fr_FR (channels.whatsapp_templates)");
  m = template_message("order_update", "", {"Ana"});
  EXPECT_EQ(fill_template(shipped(), m), "'order_update' takes 2 variable(s), 1 given");
  m = template_message("order_update", "", {"Ana", "line\nbreak"});
  EXPECT_EQ(fill_template(shipped(), m), "variable {{2}} must be 1-1024 characters on one line, without tabs");
  m = template_message("order_update", "", {"", "1042"});
  EXPECT_TRUE(fill_template(shipped(), m));
  EXPECT_TRUE(m.body().empty()) << "nothing filled in on a refusal";
}

TEST(WhatsAppWindow, FreeTextOnlyWithinTwentyFourHoursOfTheCustomersLastMessage) {
  const std::int64_t wrote = 1'764'633'600'000;  // the customer's last WhatsApp message
  v1::Conversation c;
  c.set_whatsapp_window_ends_at_ms(wrote + kWhatsAppWindowMs);
  v1::Message text;
  text.set_channel(v1::CHANNEL_WHATSAPP);
  text.set_body("Hello");
  EXPECT_EQ(whatsapp_window_refusal(c, text, wrote + kWhatsAppWindowMs - 1), std::nullopt);
  EXPECT_EQ(whatsapp_window_refusal(c, text, wrote + kWhatsAppWindowMs),
            "WhatsApp's 24-hour window closed 0 h ago (the customer last wrote 24 h ago): only an approved template may be sent");
  EXPECT_EQ(whatsapp_window_refusal(c, text, wrote + 30 * 3'600'000LL),
            "WhatsApp's 24-hour window closed 6 h ago (the customer last wrote 30 h ago): only an approved template may be sent");
  auto tpl = template_message("order_update", "en_US", {"Ana", "1"});
  EXPECT_EQ(whatsapp_window_refusal(c, tpl, wrote + 30 * 3'600'000LL), std::nullopt) << "a template goes at any time";
  v1::Message sms = text;
  sms.set_channel(v1::CHANNEL_SMS);
  EXPECT_EQ(whatsapp_window_refusal(c, sms, wrote + 30 * 3'600'000LL), std::nullopt) << "other channels have no window";
  EXPECT_TRUE(whatsapp_window_refusal(v1::Conversation(), text, wrote)) << "never wrote on WhatsApp here: closed";
}

}  // namespace
}  // namespace switchboard
