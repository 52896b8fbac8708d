//===- Perturb.h - seeded text perturbations for robust evaluation --------------===//
//
// Character typos (swap two neighbours, delete, insert or replace with a keyboard neighbour) and
// word dropout, applied per word with a probability. Each example's perturbation is drawn from
// its own stream (seed, example index), so results do not depend on batching or threads.
// Operates on ASCII letters only; other bytes (UTF-8 sequences included) are left intact.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

namespace ftp::train {

std::string applyTypos(const std::string &text, double rate, uint64_t seed, uint64_t index);
std::string dropWords(const std::string &text, double rate, uint64_t seed, uint64_t index);

} // namespace ftp::train
