// The blob store, blob URLs and the media policy (media/), the providers' media fetch calls
// (channels/media_fetch) and sending attachments (channels::send_calls).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "channels/media_fetch.hpp"
#include "channels/outgoing.hpp"
#include "media/blob_store.hpp"
#include "media/blob_url.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace switchboard;

const std::string kSecret(32, 'k');

media::blob_ref png() {
  media::blob_ref b;
  b.sha256 = media::sha256_hex("pixels");
  b.content_type = "image/png";
  b.file_name = "a b/ü.png";
  return b;
}

TEST(BlobUrls, SignedUrlNamesItsFileTypeAndNameAndNothingElse) {
  const auto url = media::blob_url(kSecret, png());
  EXPECT_TRUE(url.starts_with("/v1/blobs/" + png().sha256 + "?type=image%2Fpng&name=a%20b%2F%C3%BC.png&size=0&sig="));
  auto back = media::read_blob_url(kSecret, url);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->file_name, "a b/ü.png");
  EXPECT_EQ(back->content_type, "image/png");
  EXPECT_FALSE(media::read_blob_url(std::string(32, 'x'), url));  // another server's key
  std::string other_type = url;
  other_type.replace(other_type.find("image%2Fpng"), 11, "text%2Fhtml");
  EXPECT_FALSE(media::read_blob_url(kSecret, other_type));
  std::string other_file = url;
  other_file[12] = other_file[12] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(media::read_blob_url(kSecret, other_file));
  EXPECT_FALSE(media::read_blob_url(kSecret, url.substr(0, url.size() - 1)));
  EXPECT_FALSE(media::read_blob_url(kSecret, "/v1/blobs/" + png().sha256));
  EXPECT_FALSE(media::read_blob_url(kSecret, "https://elsewhere.example/v1/blobs/x"));
}

TEST(BlobUrls, AMessageTakesOnlyFilesOfThisServer) {
  google::protobuf::RepeatedPtrField<v1::Attachment> list;
  *list.Add() = media::attachment_of(kSecret, png(), 6);
  list[0].set_content_type("image/gif");  // the client's word is not taken: the URL's is
  list[0].set_size_bytes(1);
  EXPECT_FALSE(media::take_attachments(kSecret, list));
  EXPECT_EQ(list[0].content_type(), "image/png");
  EXPECT_EQ(list[0].size_bytes(), 6);
  std::string bigger = list[0].url();
  bigger.replace(bigger.find("size=6"), 6, "size=7");
  EXPECT_FALSE(media::read_blob_url(kSecret, bigger));
  list.Add()->set_url("javascript:alert(1)");
  auto why = media::take_attachments(kSecret, list);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("attachments[1].url"), std::string::npos);
}

TEST(MediaPolicy, TypesNamesAndSizes) {
  EXPECT_EQ(media::normalise_type("Image/PNG; charset=binary"), "image/png");
  EXPECT_EQ(media::normalise_type("image"), "");
  EXPECT_EQ(media::normalise_type("text/html<script>"), "");
  const auto allowed = media::allowed_types(v1::MediaConfig());
  EXPECT_TRUE(media::type_allowed(allowed, "image/jpeg"));
  EXPECT_TRUE(media::type_allowed(allowed, "application/pdf"));
  EXPECT_FALSE(media::type_allowed(allowed, "text/html"));
  EXPECT_FALSE(media::type_allowed(allowed, "application/x-msdownload"));
  EXPECT_FALSE(media::type_allowed(allowed, ""));
  v1::MediaConfig only_pdf;
  only_pdf.add_allowed_types("application/pdf");
  EXPECT_FALSE(media::type_allowed(media::allowed_types(only_pdf), "image/png"));
  EXPECT_TRUE(media::shown_inline("image/png"));
  EXPECT_FALSE(media::shown_inline("image/svg+xml"));
  EXPECT_FALSE(media::shown_inline("application/pdf"));
  EXPECT_EQ(media::clean_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(media::clean_file_name("C:\\x\\report \"q\".pdf"), "report q.pdf");
  EXPECT_EQ(media::clean_file_name(std::string("a\x01\xff" "b")), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(media::clean_file_name(".."), "");
  EXPECT_LE(media::clean_file_name(std::string(300, 'x')).size(), 200u);
  EXPECT_EQ(media::size_in_words(20 << 20), "20 MiB");
  EXPECT_EQ(media::size_in_words(1500), "1500 bytes");
}

class FolderStore : public ::testing::Test {
 protected:
  void SetUp() override { folder_ = fs::temp_directory_path() / ("sb-blobs-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name()); }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

TEST_F(FolderStore, KeepsEachContentOnceByItsHash) {
  media::folder_blob_store store(folder_.string());
  auto a = store.put_now("hello");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, media::sha256_hex("hello"));
  EXPECT_EQ(*a, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_TRUE(store.put_now("hello"));
  EXPECT_EQ(*store.get_now(*a), "hello");
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // one copy, no temporary file left
  EXPECT_EQ(store.get_now(std::string(64, '0')).error(), make_error_code(errc::not_found));
  EXPECT_EQ(store.get_now("../../etc/passwd").error(), make_error_code(errc::not_found));
}

TEST_F(FolderStore, ItsCoroutinesWorkOnTheDiskThreadAndComeBack) {
  media::folder_blob_store store(folder_.string());
  boost::asio::io_context ioc;
  auto strand = boost::asio::make_strand(ioc);
  bool back_on_strand = false;
  std::string read;
  boost::asio::co_spawn(strand, [&]() -> boost::asio::awaitable<void> {
    auto sha = co_await store.put("bytes");
    auto bytes = co_await store.get(*sha);
    back_on_strand = strand.running_in_this_thread();
    read = *bytes;
  }, boost::asio::detached);
  ioc.run();
  EXPECT_TRUE(back_on_strand);
  EXPECT_EQ(read, "bytes");
}

TEST_F(FolderStore, TheUrlSecretIsMadeOnceAndShared) {
  media::folder_blob_store store(folder_.string());
  const auto first = media::url_secret(folder_.string(), "");
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(media::url_secret(folder_.string(), ""), first);  // another process reads the same
  EXPECT_EQ(fs::status(folder_ / ".url-secret").permissions() & fs::perms::others_read, fs::perms::none);
  EXPECT_EQ(media::url_secret(folder_.string(), kSecret), kSecret);
}

v1::ChannelAccount account(const std::string& provider, const std::string& api = "") {
  v1::ChannelAccount a;
  a.set_provider(provider);
  a.set_access_token("tok");
  a.set_bot_token("123:abc");
  a.set_account_sid("AC1");
  a.set_auth_token("secret");
  a.set_business_id(provider == "twilio" ? "+15550001111" : "1122");
  a.set_api_url(api);
  return a;
}

TEST(MediaFetch, WhatsAppAsksForTheUrlThenDownloadsWithTheToken) {
  std::string err;
  auto first = channels::media_first(account("whatsapp"), "whatsapp-media:987", err);
  EXPECT_TRUE(first.metadata);
  EXPECT_EQ(first.call.method, "GET");
  EXPECT_EQ(first.call.url, "https://graph.facebook.com/v21.0/987");
  EXPECT_EQ(first.call.headers.at(0).second, "Bearer tok");
  channels::media_meta meta;
  auto next = channels::media_download(account("whatsapp"),
                                       R"({"url":"https://lookaside.fbsbx.com/x?y=1","mime_type":"image/jpeg","file_size":"2048","id":"987"})", meta, err);
  EXPECT_FALSE(next.metadata);
  EXPECT_EQ(next.call.url, "https://lookaside.fbsbx.com/x?y=1");
  EXPECT_EQ(next.call.headers.at(0).second, "Bearer tok");
  EXPECT_EQ(meta.content_type, "image/jpeg");
  EXPECT_EQ(meta.size, 2048);
  EXPECT_TRUE(channels::media_download(account("whatsapp"), R"({"url":"http://plain.example/x"})", meta, err).call.url.empty());
  EXPECT_TRUE(channels::media_download(account("whatsapp"), "not json", meta, err).call.url.empty());
}

TEST(MediaFetch, TelegramGetFileThenTheFilePath) {
  std::string err;
  auto first = channels::media_first(account("telegram"), "telegram-file:AgAD-1", err);
  EXPECT_EQ(first.call.url, "https://api.telegram.org/bot123:abc/getFile?file_id=AgAD-1");
  channels::media_meta meta;
  auto next = channels::media_download(account("telegram"), R"({"ok":true,"result":{"file_path":"documents/file_3.pdf","file_size":77}})", meta, err);
  EXPECT_EQ(next.call.url, "https://api.telegram.org/file/bot123:abc/documents/file_3.pdf");
  EXPECT_EQ(meta.size, 77);
  EXPECT_TRUE(channels::media_download(account("telegram"), R"({"ok":true,"result":{"file_path":"../x"}})", meta, err).call.url.empty());
  EXPECT_TRUE(channels::media_download(account("telegram"), R"({"ok":false,"description":"Bad Request: file is too big"})", meta, err).call.url.empty());
  EXPECT_NE(err.find("file is too big"), std::string::npos);
}

TEST(MediaFetch, DirectUrlsHttpsOnlyAndTwiliosAuthOnlyToTwilio) {
  std::string err;
  auto fb = channels::media_first(account("messenger"), "https://scontent.xx.fbcdn.net/v/a.jpg?x=1", err);
  EXPECT_EQ(fb.call.url, "https://scontent.xx.fbcdn.net/v/a.jpg?x=1");
  EXPECT_TRUE(fb.call.headers.empty());
  EXPECT_TRUE(channels::media_first(account("messenger"), "http://169.254.169.254/latest", err).call.url.empty());
  EXPECT_TRUE(channels::media_first(account("messenger"), "file:///etc/passwd", err).call.url.empty());
  auto tw = channels::media_first(account("twilio"), "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", err);
  EXPECT_EQ(tw.call.headers.at(0).second, "Basic QUMxOnNlY3JldA==");
  EXPECT_TRUE(channels::media_first(account("twilio"), "https://evil.example/x", err).call.headers.empty());
  // The redirect to Twilio's CDN goes without the account's password.
  auto cdn = channels::follow_redirect(tw.call, "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc");
  EXPECT_EQ(cdn.url, "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc");
  EXPECT_TRUE(cdn.headers.empty());
  EXPECT_EQ(channels::follow_redirect(tw.call, "/2010-04-01/x").headers.size(), 1u);  // same host: kept
  EXPECT_TRUE(channels::follow_redirect(tw.call, "http://downgrade.example/x").url.empty());
}

v1::Message with_file(const std::string& body, const std::string& type, const std::string& name = "f") {
  v1::Message m;
  m.set_body(body);
  media::blob_ref b{media::sha256_hex(name), type, name};
  *m.add_attachments() = media::attachment_of(kSecret, b, 10);
  return m;
}

TEST(SendAttachments, EachProviderAsDocumented) {
  std::string err;
  const std::string pub = "https://support.example.com";
  auto wa = channels::send_calls(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+346", with_file("see", "image/png"), pub, err);
  ASSERT_EQ(wa.size(), 1u);
  auto j = json::parse(wa[0].body);
  EXPECT_EQ(j.at("type").as_string(), "image");
  EXPECT_TRUE(std::string(j.at("image").at("link").as_string()).starts_with(pub + "/v1/blobs/"));
  EXPECT_EQ(j.at("image").at("caption").as_string(), "see");
  EXPECT_FALSE(j.as_object().contains("text"));
  auto doc = channels::send_calls(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+346", with_file("", "application/pdf", "r.pdf"), pub, err);
  EXPECT_EQ(json::parse(doc[0].body).at("document").at("filename").as_string(), "r.pdf");
  auto voice = channels::send_calls(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+346", with_file("hear", "audio/ogg"), pub, err);
  ASSERT_EQ(voice.size(), 2u);  // audio takes no caption: the text first
  EXPECT_EQ(json::parse(voice[0].body).at("text").at("body").as_string(), "hear");
  EXPECT_FALSE(json::parse(voice[1].body).at("audio").as_object().contains("caption"));
  auto fb = channels::send_calls(account("messenger"), v1::CHANNEL_MESSENGER, "178", with_file("see", "application/pdf"), pub, err);
  ASSERT_EQ(fb.size(), 2u);
  EXPECT_EQ(json::parse(fb[0].body).at("message").at("text").as_string(), "see");
  EXPECT_EQ(json::parse(fb[1].body).at("message").at("attachment").at("type").as_string(), "file");
  auto tg = channels::send_calls(account("telegram"), v1::CHANNEL_TELEGRAM, "555", with_file("see", "image/jpeg"), pub, err);
  ASSERT_EQ(tg.size(), 1u);
  EXPECT_EQ(tg[0].url, "https://api.telegram.org/bot123:abc/sendPhoto");
  EXPECT_EQ(json::parse(tg[0].body).at("caption").as_string(), "see");
  auto tw = channels::send_calls(account("twilio"), v1::CHANNEL_SMS, "+1555", with_file("", "image/png"), pub, err);
  ASSERT_EQ(tw.size(), 1u);
  EXPECT_NE(tw[0].body.find("&MediaUrl=https%3A%2F%2Fsupport.example.com%2Fv1%2Fblobs%2F"), std::string::npos);
  EXPECT_TRUE(channels::send_calls(account("telegram"), v1::CHANNEL_TELEGRAM, "555", with_file("x", "image/png"), "", err).empty());
  EXPECT_NE(err.find("channels.public_url"), std::string::npos);
}

}  // namespace
