//===- Validators.cpp - checksums and syntax checks behind the detectors ---------===//

#include "ftp/deid/Validators.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>
#include <string>

namespace ftp::deid {

namespace {
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool startsWith(const std::string &s, const char *prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}
int prefixNumber(const std::string &digits, size_t n) {
  return digits.size() < n ? -1 : std::stoi(digits.substr(0, n));
}
} // namespace

std::string digitsOf(std::string_view text) {
  std::string out;
  for (char c : text)
    if (isDigit(c))
      out += c;
  return out;
}

bool luhnValid(std::string_view text) {
  std::string digits = digitsOf(text);
  if (digits.empty())
    return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice && (d *= 2) > 9)
      d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool creditCardValid(std::string_view text) {
  std::string d = digitsOf(text);
  size_t n = d.size();
  if (n < 13 || n > 19 || !luhnValid(d))
    return false;
  int p2 = prefixNumber(d, 2), p3 = prefixNumber(d, 3), p4 = prefixNumber(d, 4),
      p6 = prefixNumber(d, 6);
  if (d[0] == '4')                                             // Visa
    return n == 13 || n == 16 || n == 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))   // Mastercard
    return n == 16;
  if (p2 == 34 || p2 == 37)                                    // American Express
    return n == 15;
  if (startsWith(d, "6011") || p2 == 65 || (p3 >= 644 && p3 <= 649) ||
      (p6 >= 622126 && p6 <= 622925))                          // Discover
    return n >= 16;
  if (p4 >= 3528 && p4 <= 3589)                                // JCB
    return n >= 16;
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39 || p4 == 3095) // Diners
    return n >= 14;
  if (p2 == 62)                                                // UnionPay
    return n >= 16;
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 67)           // Maestro
    return n >= 12;
  return false;
}

bool ssnValid(std::string_view text) {
  if (text.size() != 11 || text[3] != '-' || text[6] != '-')
    return false;
  std::string d = digitsOf(text);
  if (d.size() != 9)
    return false;
  std::string area = d.substr(0, 3), group = d.substr(3, 2), serial = d.substr(5);
  return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000";
}

namespace {
// ISO 13616 lengths of the countries most often met; others need 15–34 characters.
int ibanLength(const std::string &country) {
  static const struct {
    const char *code;
    int length;
  } kLengths[] = {{"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28},
                  {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18},
                  {"FR", 27}, {"GB", 22}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22},
                  {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
                  {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
                  {"RO", 24}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
                  {"TR", 26}, {"AE", 23}, {"BR", 29}, {"IL", 23}, {"QA", 29}, {"UA", 29}};
  for (const auto &entry : kLengths)
    if (country == entry.code)
      return entry.length;
  return 0;
}
} // namespace

bool ibanValid(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != ' ')
      s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.size() < 15 || s.size() > 34 || !std::isupper(static_cast<unsigned char>(s[0])) ||
      !std::isupper(static_cast<unsigned char>(s[1])) || !isDigit(s[2]) || !isDigit(s[3]))
    return false;
  int expected = ibanLength(s.substr(0, 2));
  if (expected != 0 && static_cast<int>(s.size()) != expected)
    return false;
  std::string rearranged = s.substr(4) + s.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    if (isDigit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      int v = c - 'A' + 10;
      remainder = (remainder * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool cnIdValid(std::string_view text) {
  if (text.size() != 18)
    return false;
  for (size_t i = 0; i < 17; ++i)
    if (!isDigit(text[i]))
      return false;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i)
    sum += (text[i] - '0') * kWeights[i];
  char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text[17])));
  if (kCheck[sum % 11] != last)
    return false;
  int year = std::stoi(std::string(text.substr(6, 4)));
  int month = std::stoi(std::string(text.substr(10, 2)));
  int day = std::stoi(std::string(text.substr(12, 2)));
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1)
    return false;
  static const int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int maxDay = month == 2 && !leap ? 28 : kDays[month - 1];
  return day <= maxDay && text[0] != '0';
}

bool ipv4Valid(std::string_view text) {
  int parts = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = i;
    while (j < text.size() && isDigit(text[j]))
      ++j;
    size_t len = j - i;
    if (len == 0 || len > 3 || (len > 1 && text[i] == '0'))
      return false;
    if (std::stoi(std::string(text.substr(i, len))) > 255)
      return false;
    ++parts;
    if (j == text.size())
      break;
    if (text[j] != '.')
      return false;
    i = j + 1;
  }
  return parts == 4;
}

bool ipv6Valid(std::string_view text) {
  if (text.size() < 3 || text.size() > 45)
    return false;
  std::string s(text);
  unsigned char buffer[16];
  if (inet_pton(AF_INET6, s.c_str(), buffer) != 1)
    return false;
  int groups = 0;
  bool inGroup = false;
  for (char c : s) {
    bool part = c != ':';
    if (part && !inGroup)
      ++groups;
    inGroup = part;
  }
  // A dotted-quad tail counts as two groups.
  return groups + (s.find('.') != std::string::npos ? 1 : 0) >= 3;
}

} // namespace ftp::deid
