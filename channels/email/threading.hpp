#pragma once
// The subject as a last resort for threading (issue 14, point 4): "Re: Order 1234" answers the
// mail "Order 1234", "Fwd: Order 1234" forwards it. The prefixes mail programs write in the
// common languages are known (Re, Aw, Sv, Vs, Antw, Ref, Réf, Rif, Odp, Ynt; Fwd, Fw, Wg, Tr,
// Enc, Rv, Doorst, Vb, Vs ...), with a count ("Re[2]:", "Re^3:") or a list tag before them
// ("[support] Re:"). Pure; thread-safe.

#include <string>
#include <string_view>

namespace switchboard::channels::email {

enum class subject_kind {
  fresh,     // no prefix: a new matter
  reply,     // the first prefix answers ("Re:")
  forward,   // the first prefix forwards ("Fwd:"): a new matter too, of the same customer
};

/** What the subject's first prefix says. */
subject_kind kind_of_subject(std::string_view subject);

/** The subject without its prefixes and list tags, white space collapsed, ASCII letters in lower
 * case, at most 200 bytes: the same for a mail and every answer to it. Empty when nothing is left. */
std::string subject_key(std::string_view subject);

}  // namespace switchboard::channels::email
