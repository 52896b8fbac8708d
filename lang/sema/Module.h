//===- Module.h - an imported .ftp module (private to the checker) -------------===//
#pragma once

#include "lang/sema/Checker.h"

namespace ftp::lang {

struct Checker::Module {
  std::string path; // canonical
  uint32_t fileId = 0;
  std::unique_ptr<File> ast;
  std::map<std::string, const Section *> presets; // by name
};

} // namespace ftp::lang
