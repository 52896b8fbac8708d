//===- Synonyms.cpp - the small synonym list that `synonyms(rate)` draws from ---===//
//
// A word that belongs to two groups (none does today) would get the synonyms of both.
//
// Groups of common English words that can stand for one another in most sentences, written for
// ftpc (everyday vocabulary plus words frequent in mail, support tickets and reviews). Deliberately
// small and conservative: the perturbation should keep a text's meaning, so a word is replaced only
// by another of its own group, and words with very different senses are left out.
//
//===----------------------------------------------------------------------------------------===//

#include "Perturb.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace ftp::train {

namespace {

const char *const kGroups[][5] = {
    {"big", "large", "huge", nullptr},         {"small", "little", "tiny", nullptr},
    {"fast", "quick", "rapid", nullptr},       {"slow", "sluggish", nullptr},
    {"good", "great", "fine", "nice", nullptr}, {"bad", "poor", "awful", nullptr},
    {"happy", "glad", "pleased", nullptr},     {"sad", "unhappy", nullptr},
    {"begin", "start", "commence", nullptr},   {"end", "finish", "conclude", nullptr},
    {"buy", "purchase", nullptr},              {"sell", "vend", nullptr},
    {"get", "obtain", "receive", nullptr},     {"give", "provide", "supply", nullptr},
    {"help", "assist", "aid", nullptr},        {"show", "display", "present", nullptr},
    {"need", "require", nullptr},              {"want", "wish", "desire", nullptr},
    {"make", "create", "produce", nullptr},    {"use", "utilize", "employ", nullptr},
    {"try", "attempt", nullptr},               {"ask", "inquire", "request", nullptr},
    {"answer", "reply", "respond", nullptr},   {"send", "dispatch", nullptr},
    {"fix", "repair", "mend", nullptr},        {"choose", "pick", "select", nullptr},
    {"find", "discover", "locate", nullptr},   {"keep", "retain", "hold", nullptr},
    {"think", "believe", "reckon", nullptr},   {"say", "state", "tell", nullptr},
    {"look", "see", "view", nullptr},          {"money", "cash", "funds", nullptr},
    {"price", "cost", "charge", nullptr},      {"cheap", "inexpensive", "affordable", nullptr},
    {"free", "complimentary", nullptr},        {"rich", "wealthy", "affluent", nullptr},
    {"job", "work", "employment", nullptr},    {"company", "firm", "business", nullptr},
    {"customer", "client", nullptr},           {"problem", "issue", "trouble", nullptr},
    {"mistake", "error", "fault", nullptr},    {"idea", "notion", "thought", nullptr},
    {"message", "note", nullptr},              {"letter", "mail", nullptr},
    {"friend", "pal", "buddy", nullptr},       {"house", "home", "residence", nullptr},
    {"car", "automobile", "vehicle", nullptr}, {"road", "street", "route", nullptr},
    {"shop", "store", nullptr},                {"gift", "donation", nullptr},
    {"chance", "opportunity", nullptr},        {"offer", "deal", "bargain", nullptr},
    {"important", "crucial", "vital", nullptr}, {"easy", "simple", "effortless", nullptr},
    {"hard", "difficult", "tough", nullptr},   {"smart", "clever", "bright", nullptr},
    {"strange", "odd", "weird", nullptr},      {"new", "fresh", "novel", nullptr},
    {"old", "aged", "ancient", nullptr},       {"correct", "right", "accurate", nullptr},
    {"wrong", "incorrect", "mistaken", nullptr}, {"often", "frequently", nullptr},
    {"maybe", "perhaps", "possibly", nullptr}, {"quickly", "rapidly", "swiftly", nullptr},
    {"very", "really", "extremely", nullptr},  {"also", "too", "additionally", nullptr},
    {"now", "immediately", "instantly", nullptr}, {"soon", "shortly", nullptr},
    {"today", "tonight", nullptr},             {"almost", "nearly", nullptr},
    {"enough", "sufficient", "adequate", nullptr}, {"whole", "entire", "complete", nullptr},
    {"many", "numerous", nullptr},             {"guarantee", "warranty", nullptr},
    {"win", "earn", "gain", nullptr},          {"click", "press", "tap", nullptr},
    {"call", "phone", "ring", nullptr},
    {"meeting", "appointment", nullptr},       {"information", "details", "info", nullptr},
    {"thanks", "thank", nullptr},              {"hello", "hi", "hey", nullptr},
    {"unsubscribe", "optout", nullptr},        {"limited", "restricted", nullptr},
    {"exclusive", "special", nullptr},         {"amazing", "incredible", "astonishing", nullptr},
    {"movie", "film", nullptr},                {"story", "tale", nullptr},
    {"boring", "dull", "tedious", nullptr},    {"funny", "amusing", "hilarious", nullptr},
    {"beautiful", "lovely", "pretty", nullptr}, {"terrible", "dreadful", "horrible", nullptr},
};

std::map<std::string, std::vector<std::string>> buildTable() {
  std::map<std::string, std::vector<std::string>> table;
  for (const auto &group : kGroups)
    for (const char *const *word = group; *word; ++word)
      for (const char *const *other = group; *other; ++other)
        if (other != word) {
          auto &alternatives = table[*word];
          if (std::find(alternatives.begin(), alternatives.end(), *other) == alternatives.end())
            alternatives.push_back(*other);
        }
  return table;
}

} // namespace

const std::vector<std::string> *synonymsOf(const std::string &lowerWord) {
  static const std::map<std::string, std::vector<std::string>> table = buildTable();
  auto it = table.find(lowerWord);
  return it == table.end() ? nullptr : &it->second;
}

} // namespace ftp::train
