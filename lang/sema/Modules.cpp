//===- Modules.cpp - imports and presets ----------------------------------------===//
//
// `import "presets/privacy"` loads stdlib/presets/privacy.ftp (or, for paths starting with `./` or
// `../`, a file next to the importing one) under the name `privacy`; `use privacy.strong` inside a
// finetune block applies that module's preset `strong`. Modules may only define presets.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/sema/Checker.h"

#include "lang/diag/Suggest.h"
#include "lang/sema/Module.h"
#include "lang/parse/Parser.h"

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::lang {

void Checker::loadImports(const File &file) {
  modulesByAlias_.clear();
  if (!options_.checkFilesystem)
    return; // imports read files; without file-system checks `use` of a module's preset fails
  fs::path here = fs::path(sources_.name(file.fileId)).parent_path();
  if (here.empty())
    here = ".";
  std::error_code ec;
  fs::path self = fs::weakly_canonical(sources_.name(file.fileId), ec);
  for (const Import &import : file.imports) {
    std::string written = import.path;
    if (fs::path(written).extension() != ".ftp")
      written += ".ftp";
    std::vector<fs::path> candidates;
    std::string lookedIn;
    if (written.rfind("./", 0) == 0 || written.rfind("../", 0) == 0) {
      candidates.push_back(here / written);
      lookedIn = "`" + here.string() + "`";
    } else {
      for (const std::string &dir : options_.stdlibDirs) {
        candidates.push_back(fs::path(dir) / written);
        lookedIn += (lookedIn.empty() ? "`" : ", `") + dir + "`";
      }
    }
    fs::path found;
    for (const fs::path &candidate : candidates)
      if (fs::is_regular_file(candidate, ec)) {
        found = fs::weakly_canonical(candidate, ec);
        break;
      }
    if (found.empty()) {
      diagnostics_->report(import.pathRange, DiagKind::ModuleNotFound, import.path,
                           lookedIn.empty() ? "no folders" : lookedIn);
      continue;
    }
    if (found == self) {
      diagnostics_->report(import.pathRange, DiagKind::ImportCycle, import.path);
      continue;
    }
    std::string alias = import.alias.empty() ? fs::path(import.path).stem().string() : import.alias.text;
    if (modulesByAlias_.count(alias)) {
      diagnostics_->report(import.alias.empty() ? import.pathRange : import.alias.range,
                           DiagKind::Redefinition, alias);
      continue;
    }
    Module *module = nullptr;
    for (auto &loaded : modules_)
      if (loaded->path == found.string())
        module = loaded.get();
    if (!module) {
      std::string error;
      auto fileId = sources_.addFile(found.string(), &error);
      if (!fileId) {
        diagnostics_->report(import.pathRange, DiagKind::FileNotReadable, found.string(), error);
        continue;
      }
      auto owned = std::make_unique<Module>();
      owned->path = found.string();
      owned->fileId = *fileId;
      Parser parser(*fileId, sources_, *diagnostics_);
      owned->ast = std::make_unique<File>(parser.parseFile());
      module = owned.get();
      modules_.push_back(std::move(owned));
      for (const Section &pipeline : module->ast->pipelines)
        diagnostics_->report(pipeline.name.range, DiagKind::ModuleHasPipeline, import.path,
                             pipeline.name.text)
            .note(import.range, DiagKind::ImportedFrom);
      for (const Import &nested : module->ast->imports)
        diagnostics_->report(nested.pathRange, DiagKind::ModuleImports, import.path, nested.path)
            .note(import.range, DiagKind::ImportedFrom);
      // The module's presets are checked once, as fine-tuning options; a `use` inside them
      // resolves among the module's own presets.
      for (const Section &preset : module->ast->presets) {
        auto [it, fresh] = module->presets.emplace(preset.name.text, &preset);
        if (!fresh)
          diagnostics_->report(preset.name.range, DiagKind::Redefinition, preset.name.text)
              .note(it->second->name.range, DiagKind::PreviousDefinition, preset.name.text);
      }
      const Module *saved = presetScope_;
      presetScope_ = module;
      for (const Section &preset : module->ast->presets)
        checkBlock(Context::Finetune, &preset.body, "preset " + preset.name.text, nullptr);
      presetScope_ = saved;
    }
    modulesByAlias_[alias] = module;
  }
}

const Section *Checker::findPreset(const Expr &ref, std::string *shownName, const Module **scope) {
  auto lookIn = [&](const std::vector<const Section *> &presets, const std::string &name,
                    SourceRange range, const std::string &where) -> const Section * {
    std::vector<std::string> names;
    for (const Section *preset : presets) {
      if (preset->name.text == name)
        return preset;
      names.push_back(preset->name.text);
    }
    std::string hint = didYouMean(name, names);
    if (hint.empty() && !where.empty())
      hint = names.empty() ? "; `" + where + "` defines no presets"
                           : "; `" + where + "` defines " + [&] {
                               std::string all;
                               for (const std::string &n : names)
                                 all += (all.empty() ? "`" : ", `") + n + "`";
                               return all;
                             }();
    diagnostics_->report(range, DiagKind::UnknownPreset, where.empty() ? name : where + "." + name,
                         hint);
    return nullptr;
  };
  if (ref.kind == ExprKind::Identifier) {
    *shownName = ref.text;
    std::vector<const Section *> presets;
    for (const auto &[name, preset] : *scope ? (*scope)->presets : localPresets_)
      presets.push_back(preset);
    // A local name that is a module alias is a common slip: `use privacy` for `use privacy.strong`.
    return lookIn(presets, ref.text, ref.range, "");
  }
  if (ref.kind == ExprKind::Member && ref.base && ref.base->kind == ExprKind::Identifier) {
    *shownName = ref.base->text + "." + ref.text;
    auto it = modulesByAlias_.find(ref.base->text);
    if (*scope || it == modulesByAlias_.end()) { // a module imports nothing, so sees no aliases
      std::vector<std::string> aliases;
      for (const auto &[alias, module] : modulesByAlias_)
        aliases.push_back(alias);
      std::string hint = didYouMean(ref.base->text, aliases);
      diagnostics_->report(ref.base->range, DiagKind::UnknownPreset, *shownName,
                           hint.empty() ? fmt::format("; no module is imported as `{}`", ref.base->text)
                                        : hint);
      return nullptr;
    }
    std::vector<const Section *> presets;
    for (const Section &preset : it->second->ast->presets)
      presets.push_back(&preset);
    *scope = it->second;
    return lookIn(presets, ref.text, ref.textRange, ref.base->text);
  }
  diagnostics_->report(ref.range, DiagKind::TypeMismatch, "use", valueTypeName(ValueType::PresetRef),
                       describe(ref));
  return nullptr;
}

} // namespace ftp::lang
