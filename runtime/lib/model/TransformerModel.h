//===- TransformerModel.h - the models the training driver fine-tunes ----------===//
//
// The one interface the training driver sees: a transformer that maps token ids (through token
// embeddings, where adversarial training and noise perturb) to classifier logits or LM logits,
// with its trainable parameters under their HuggingFace names. Implementations: BERT and RoBERTa
// encoders (Bert.cpp) and GPT-2 decoders (Gpt2.cpp), built from the small layer modules of Layers.h so that
// a later DP mode can walk every Linear/Embedding/LayerNorm and compute per-sample gradient norms.
//
// Internal to ftp_runtime (it includes LibTorch); the runtime's public headers stay free of it.
// Every failure throws ModelError with a message that names the file or the tensor. Loaders
// return models in eval mode (no dropout); the training driver calls train().
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "model/ModelError.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ftp::model {

class TransformerModel : public torch::nn::Module {
public:
  // token (word) embeddings [B,L,H] — the point where adversarial training/noise perturbs
  virtual torch::Tensor embedTokens(const torch::Tensor &inputIds) = 0;
  // task output from token embeddings: classifier logits [B,C], or LM logits [B,L,V]
  virtual torch::Tensor forwardEmbeddings(const torch::Tensor &tokenEmbeds,
                                          const torch::Tensor &attentionMask) = 0;
  torch::Tensor forward(const torch::Tensor &ids, const torch::Tensor &mask) {
    return forwardEmbeddings(embedTokens(ids), mask);
  }
  virtual bool isCausalLm() const = 0;
  // every trainable parameter with its HF name, in a fixed order (same order every run)
  std::vector<std::pair<std::string, torch::Tensor>> trainableParameters();
  // hidden states of the last layer [B,L,H] (for parity tests)
  virtual torch::Tensor lastHiddenState(const torch::Tensor &ids, const torch::Tensor &mask) = 0;
};

enum class Pooling { Cls, Mean };

/// Where a loaded model's weights come from: the folder's checkpoint, or a fresh draw (training
/// from scratch; the folder then needs only config.json and the tokenizer).
enum class StartFrom { Pretrained, Random };

/// An encoder (BERT, RoBERTa) or decoder (GPT-2) with a new classification head over `labels`.
///  - BERT, Pooling::Cls: exactly HF's BertForSequenceClassification (pooler dense + tanh on [CLS],
///    dropout, `classifier`), so an export loads in transformers with the same logits. The pooler
///    comes from the checkpoint when it has one (all-MiniLM-L6-v2 does), else it is initialised
///    like the head.
///  - BERT, Pooling::Mean: sentence-transformers style: mean of the last hidden states over the
///    non-padding tokens, dropout, `classifier`; no pooler (its tensors are ignored when present).
///  - RoBERTa, Pooling::Cls: HF's RobertaForSequenceClassification (`classifier.dense`, tanh,
///    `classifier.out_proj` on <s>); Pooling::Mean as BERT's.
///  - GPT-2: HF's GPT2ForSequenceClassification (`score`, no bias) on the last non-padding token,
///    padding on the right (Pooling::Cls) or on the mean over non-padding tokens (Pooling::Mean).
/// The head is N(0, 0.02) with zero bias, drawn from a generator seeded with `seed`.
/// StartFrom::Random draws every weight from `seed` instead (HfModel::initAll) and reads no
/// checkpoint.
std::shared_ptr<TransformerModel> loadSequenceClassifier(const std::filesystem::path &dir,
                                                         const std::vector<std::string> &labels,
                                                         Pooling pooling, double dropout,
                                                         uint64_t seed,
                                                         StartFrom from = StartFrom::Pretrained);
/// A GPT-2 language model (LM head tied to the token embeddings); StartFrom::Random as above.
std::shared_ptr<TransformerModel> loadCausalLm(const std::filesystem::path &dir,
                                               StartFrom from = StartFrom::Pretrained,
                                               uint64_t seed = 0);

struct LoraSpec {
  int64_t rank = 8;
  double alpha = 16;
  double dropout = 0.05;
  std::vector<std::string> targets;
};
/// Adds LoRA adapters (PEFT's layout: lora_A [r,in] Kaiming-uniform from `seed`, lora_B [out,r]
/// zero, scale alpha/r) to every Linear whose own name (`query`, `value`, `c_attn`, ...) or dotted
/// path suffix is a target; unknown target -> ModelError with a did-you-mean. Freezes the base;
/// the classification head stays trainable.
void applyLora(TransformerModel &model, const LoraSpec &spec, uint64_t seed);

/// Writes a HuggingFace folder: config.json (the source's, plus architectures, id2label,
/// label2id, num_labels and an `ftpc` section), the source's tokenizer files, model.safetensors.
/// With `mergeLora` the adapters are folded into the base weights; without, they are saved as
/// `<layer>.lora_A.weight` / `.lora_B.weight` and the `ftpc.lora` section records the spec.
/// Written to a temporary folder beside `outDir`, then renamed into place.
/// An existing `outDir` is replaced only when record::whyExportWouldReplace allows it (ModelError
/// otherwise).
/// `maxLen` (> 0) is the input length the model was fine-tuned with, recorded as `ftpc.max_len` so
/// that a pipeline loading the export tokenizes as training did.
void exportHf(TransformerModel &model, const std::filesystem::path &sourceDir,
              const std::filesystem::path &outDir, bool mergeLora, int64_t maxLen = 0);
/// Reloads an export of exportHf (classifier or LM); also loads HF's own
/// BertForSequenceClassification / GPT2ForSequenceClassification / GPT2LMHeadModel folders.
std::shared_ptr<TransformerModel> loadExported(const std::filesystem::path &dir);
/// Reads the export in `dir` back (loadExported) and runs it and `trained` on `ids`/`mask` (eval
/// mode, no gradients): the largest absolute difference of their outputs. Above `tolerance` (or
/// outputs of another shape) throws ModelError: an export that does not reproduce the model.
double verifyExport(TransformerModel &trained, const std::filesystem::path &dir, const torch::Tensor &ids,
                    const torch::Tensor &mask, double tolerance);
/// A classifier folder (as loadExported) whose head must be the one a program declared: `labels`
/// in output order and `pooling`; anything else throws ModelError saying what differs (the folder
/// changed after the checker compared it). `dropout` replaces the saved classifier dropout for
/// further training.
std::shared_ptr<TransformerModel> loadSavedClassifier(const std::filesystem::path &dir,
                                                      const std::vector<std::string> &labels,
                                                      Pooling pooling, double dropout);

} // namespace ftp::model
