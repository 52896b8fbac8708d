//===- DeidTest.cpp - detectors, validators and operators of ftp_deid ------------===//

#include "ftp/deid/Anonymizer.h"
#include "ftp/deid/Detector.h"
#include "ftp/deid/Validators.h"

#include "../Fixtures.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ftp::deid;

namespace {

/// The texts and types of the spans found in `text`.
std::vector<std::pair<EntityType, std::string>> found(const Detector &detector,
                                                      const std::string &text) {
  std::vector<std::pair<EntityType, std::string>> out;
  for (const Span &span : detector.detect(text))
    out.emplace_back(span.type, text.substr(span.begin, span.size()));
  return out;
}

void expectOnly(const Detector &detector, const std::string &text, EntityType type,
                const std::string &value) {
  auto spans = found(detector, text);
  ASSERT_EQ(spans.size(), 1u) << text;
  EXPECT_EQ(spans[0].first, type) << text;
  EXPECT_EQ(spans[0].second, value) << text;
}

void expectNone(const Detector &detector, const std::string &text) {
  auto spans = found(detector, text);
  for (auto &[type, value] : spans)
    ADD_FAILURE() << "flagged `" << value << "` as " << entityTag(type) << " in: " << text;
}

std::vector<std::string> nameFiles() {
  std::string dir = ftp::testing::fixturesDir() + "/first-names/";
  return {dir + "female.txt", dir + "male.txt"};
}

} // namespace

TEST(DeidValidators, Checksums) {
  EXPECT_TRUE(luhnValid("4111 1111 1111 1111"));
  EXPECT_FALSE(luhnValid("4111 1111 1111 1112"));
  EXPECT_TRUE(creditCardValid("378282246310005"));
  EXPECT_FALSE(creditCardValid("1234567812345670")); // Luhn-valid, no issuer
  EXPECT_TRUE(ibanValid("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(ibanValid("GB82WEST12345698765432"));
  EXPECT_FALSE(ibanValid("DE89 3704 0044 0532 0130 01"));
  EXPECT_FALSE(ibanValid("DE89 3704 0044 0532 0130")); // wrong length for DE
  EXPECT_TRUE(cnIdValid("11010519491231002X"));
  EXPECT_FALSE(cnIdValid("110105194912310021"));
  EXPECT_TRUE(ssnValid("123-45-6789"));
  for (const char *bad : {"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"})
    EXPECT_FALSE(ssnValid(bad)) << bad;
  EXPECT_TRUE(ipv4Valid("255.255.255.255"));
  EXPECT_FALSE(ipv4Valid("256.1.1.1"));
  EXPECT_FALSE(ipv4Valid("01.2.3.4"));
  EXPECT_TRUE(ipv6Valid("2001:db8::1"));
  EXPECT_TRUE(ipv6Valid("::ffff:192.0.2.1"));
  EXPECT_FALSE(ipv6Valid("a::b"));
  EXPECT_FALSE(ipv6Valid("12:34:56"));
  EXPECT_FALSE(ipv6Valid("1:2:3:4:5:6:7:8:9"));
}

TEST(DeidDetector, Positives) {
  Detector d;
  expectOnly(d, "write to jane.doe+x@mail.example.com.", EntityType::Email,
             "jane.doe+x@mail.example.com");
  expectOnly(d, "call (555) 123-4567 now", EntityType::Phone, "(555) 123-4567");
  expectOnly(d, "call 555-123-4567", EntityType::Phone, "555-123-4567");
  expectOnly(d, "call +1 555 123 4567", EntityType::Phone, "+1 555 123 4567");
  expectOnly(d, "call +44 20 7946 0958.", EntityType::Phone, "+44 20 7946 0958");
  expectOnly(d, "手机 13800138000", EntityType::Phone, "13800138000");
  expectOnly(d, "tel +86 138 0013 8000", EntityType::Phone, "+86 138 0013 8000");
  expectOnly(d, "from 192.0.2.1:", EntityType::Ip, "192.0.2.1");
  expectOnly(d, "from 2001:db8::8a2e:370:7334 ok", EntityType::Ip, "2001:db8::8a2e:370:7334");
  expectOnly(d, "see https://example.com/a?b=1.", EntityType::Url, "https://example.com/a?b=1");
  expectOnly(d, "see www.example.org", EntityType::Url, "www.example.org");
  expectOnly(d, "card 4012-8888-8888-1881 ok", EntityType::CreditCard, "4012-8888-8888-1881");
  expectOnly(d, "card 4111111111111111 12", EntityType::CreditCard, "4111111111111111");
  expectOnly(d, "SSN 123-45-6789", EntityType::Ssn, "123-45-6789");
  expectOnly(d, "IBAN GB82 WEST 1234 5698 7654 32 THEN", EntityType::Iban,
             "GB82 WEST 1234 5698 7654 32");
  expectOnly(d, "IBAN DE89370400440532013000", EntityType::Iban, "DE89370400440532013000");
  expectOnly(d, "ID 11010519491231002X.", EntityType::CnId, "11010519491231002X");
}

TEST(DeidDetector, HardNegatives) {
  Detector d;
  for (const char *text :
       {"version 1.2.3.4", "v1.2.3.4", "Version: 10.0.19041.1", "ISBN 978-0-306-40615-7",
        "ISBN 9780306406157", "$1,234.56", "2024-01-15T12:30:45Z", "12:30:45", "Order #123456789012",
        "on 2026-11-28", "11/28/2026", "4111 1111 1111 1112", "DE89 3704 0044 0532 0130 01",
        "110105194912310021", "000-12-3456", "666-12-3456", "912-34-5678", "256.1.1.1",
        "1.2.3.4.5", "std::string", "00:1A:2B:3C:4D:5E", "Unix 1700000000123", "room 555-1234"})
    expectNone(d, text);
}

TEST(DeidDetector, OverlapsKeepTheLongest) {
  Detector d;
  expectOnly(d, "http://192.0.2.1/login", EntityType::Url, "http://192.0.2.1/login");
  expectOnly(d, "mailto link https://example.com/u/jane@example.com", EntityType::Url,
             "https://example.com/u/jane@example.com");
  std::vector<Span> spans = resolveOverlaps({{0, 5, EntityType::Phone, 1},
                                             {2, 10, EntityType::Email, 1},
                                             {10, 12, EntityType::Ip, 1}});
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].type, EntityType::Email);
  EXPECT_EQ(spans[1].type, EntityType::Ip);
}

TEST(DeidDetector, Names) {
  FTPC_REQUIRE_FIXTURE("first-names");
  DetectorOptions options;
  options.nameFiles = nameFiles();
  Detector d(options);
  ASSERT_TRUE(d.detectsNames());
  expectOnly(d, "Dear Margaret, hello", EntityType::Person, "Margaret");
  expectOnly(d, "Mr. Will Turner arrived", EntityType::Person, "Will Turner");
  expectOnly(d, "I met Robert Langley there", EntityType::Person, "Robert Langley");
  expectOnly(d, "Hi Bill, see you", EntityType::Person, "Bill");
  expectOnly(d, "Thanks.\n\nBest regards,\nStephanie\n", EntityType::Person, "Stephanie");
  for (const char *text : {"In May we will pay the Bill.", "Will you mark the June report?",
                           "Mark my words, Bill will pay.", "Grant access to the Rose garden.",
                           "Margaret is a name"})
    expectNone(d, text);
}

TEST(DeidDetector, NamesOffWithoutAList) {
  Detector d;
  EXPECT_FALSE(d.detectsNames());
  expectNone(d, "Dear Margaret, hello");
  EXPECT_THROW(Detector({{"/no/such/names.txt"}, {}}), std::runtime_error);
}

TEST(DeidAnonymizer, Operators) {
  Detector d;
  Anonymizer a(d, "test-key");
  std::string text = "mail jane@example.com or 192.0.2.1";
  Policy mask;
  AnonymizeResult masked = a.anonymize(text, mask);
  EXPECT_EQ(masked.text, "mail <EMAIL> or <IP>");
  EXPECT_EQ(masked.counts[static_cast<int>(EntityType::Email)], 1u);
  EXPECT_EQ(masked.counts[static_cast<int>(EntityType::Ip)], 1u);

  Policy redact{Operator::Redact, {}};
  EXPECT_EQ(a.anonymize(text, redact).text, "mail  or ");

  Policy keepIp{Operator::Mask, {{EntityType::Ip, Operator::Keep}}};
  EXPECT_EQ(a.anonymize(text, keepIp).text, "mail <EMAIL> or 192.0.2.1");

  Policy hash{Operator::Hash, {}};
  std::string hashed = a.anonymize(text + " jane@example.com", hash).text;
  std::string pseudonym = a.pseudonym(EntityType::Email, "jane@example.com");
  ASSERT_EQ(pseudonym.size(), std::string("<EMAIL:12345678>").size());
  EXPECT_EQ(pseudonym.rfind("<EMAIL:", 0), 0u);
  EXPECT_EQ(hashed, "mail " + pseudonym + " or " + a.pseudonym(EntityType::Ip, "192.0.2.1") + " " +
                        pseudonym); // consistent within a run
  EXPECT_EQ(hashed.find("test-key"), std::string::npos);
  Anonymizer other(d, "another-key");
  EXPECT_NE(other.pseudonym(EntityType::Email, "jane@example.com"), pseudonym);
  // HMAC-SHA256("test-key", "jane@example.com"), first 4 bytes, from Python's hmac module.
  EXPECT_EQ(pseudonym, "<EMAIL:3978a2fe>");
  EXPECT_EQ(parseOperator("hash"), Operator::Hash);
  EXPECT_FALSE(parseOperator("scramble"));
  EXPECT_EQ(parseEntityTag("credit_card"), EntityType::CreditCard);
}
