//===- ModelError.h - the one exception the model code throws ------------------===//
//
// Separate from TransformerModel.h so that LibTorch-free parts (config.json parsing) can throw it
// without including LibTorch.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdexcept>

namespace ftp::model {

/// A model folder, config or checkpoint that cannot be used; what() names the file or tensor.
class ModelError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace ftp::model
