// The matcher's data files (lib/match/data/*.txt), embedded at build time by embed_data.cmake so
// that nothing needs deploying; question_canon parses them once at start-up.
#pragma once

#include <string_view>

namespace gateway::match_data {

std::string_view question_words();  // data/question_words.txt
std::string_view synonyms();        // data/synonyms.txt
std::string_view roots();           // data/roots.txt
std::string_view verbs();           // data/verbs.txt (generated: data/generate/verbs.mjs)

}  // namespace gateway::match_data
