// The subject as threading's last resort (channels/email/threading.hpp).
#include "channels/email/threading.hpp"

#include <gtest/gtest.h>

namespace switchboard::channels::email {
namespace {

TEST(EmailSubject, KnowsAnswersAndForwardsInTheCommonLanguages) {
  for (const char* s : {"Re: Order", "RE: Order", "re:Order", "Re[2]: Order", "Re^3: Order", "AW: Bestellung", "SV: Order",
                        "Antw: Order", "Réf : Order", "回复：订单", "[support] Re: Order", "Ynt: Sipariş"}) {
    EXPECT_EQ(kind_of_subject(s), subject_kind::reply) << s;
  }
  for (const char* s : {"Fwd: Order", "FW: Order", "WG: Bestellung", "TR: Commande", "Enc: Pedido", "[list] Fwd: x"}) {
    EXPECT_EQ(kind_of_subject(s), subject_kind::forward) << s;
  }
  for (const char* s : {"Order", "Regarding: my order", "Ref 1234: order", "Rework needed", "Re-order", "", "Fwdx: y", "[support]"}) {
    EXPECT_EQ(kind_of_subject(s), subject_kind::fresh) << s;
  }
}

TEST(EmailSubject, KeyIsTheSameForAMailAndEveryAnswer) {
  const std::string key = subject_key("Order 1234 not arrived");
  EXPECT_EQ(key, "order 1234 not arrived");
  for (const char* s : {"Re: Order 1234 not arrived", "RE: [Shop] Re:  order   1234\tnot arrived", "AW: Fwd: Re[2]: ORDER 1234 NOT ARRIVED ",
                        "[Shop]   Re: Order 1234 not arrived"}) {
    EXPECT_EQ(subject_key(s), key) << s;
  }
  EXPECT_EQ(subject_key("Re: Pedido número 5"), "pedido número 5");  // UTF-8 kept, ASCII folded
  EXPECT_EQ(subject_key("Re: "), "");
  EXPECT_EQ(subject_key("Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: Re: x").empty(), false);
  const std::string long_one = "Re: " + std::string(150, 'a') + std::string(50, ' ') + std::string(100, 'b') + "é";
  const std::string k = subject_key(long_one);
  EXPECT_LE(k.size(), 204u);
  EXPECT_EQ(k, subject_key(long_one.substr(4)));
  const std::string utf8 = subject_key(std::string(199, 'a') + "ééé");
  EXPECT_EQ(utf8, std::string(199, 'a') + "é");  // cut between characters, never inside one
}

}  // namespace
}  // namespace switchboard::channels::email
