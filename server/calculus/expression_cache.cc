#include "server/calculus/expression_cache.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/calculus/parser.h"

namespace slope::calculus {

absl::StatusOr<std::shared_ptr<const CompiledExpression>> CompileExpressionText(
    absl::string_view text, absl::Span<const std::string> variables,
    const ExpressionLimits& limits) {
  auto tree = Parse(std::string_view(text.data(), text.size()), limits);
  if (!tree.ok()) return tree.status();
  auto compiled = std::make_shared<CompiledExpression>();
  compiled->text = std::string(text);
  compiled->tree = *tree;
  compiled->used_variables = CollectVariables(*tree);

  std::vector<std::string> order(variables.begin(), variables.end());
  absl::flat_hash_set<std::string> listed(order.begin(), order.end());
  for (const std::string& name : compiled->used_variables) {
    if (!listed.contains(name)) order.push_back(name);
  }
  auto tape = CompileTape(*tree, std::move(order));
  if (!tape.ok()) return tape.status();
  compiled->tape = *tape;
  // Instructions dominate; the tree is about as large again.
  compiled->bytes = text.size() * 2 + 2 * sizeof(Instruction) *
                                          compiled->tape->num_slots() +
                    64;
  return std::shared_ptr<const CompiledExpression>(std::move(compiled));
}

ExpressionCache::ExpressionCache(ExpressionCacheOptions options,
                                 ExpressionLimits limits)
    : options_(options), limits_(limits) {}

absl::StatusOr<std::shared_ptr<const CompiledExpression>> ExpressionCache::Get(
    absl::string_view text, absl::Span<const std::string> variables) {
  // '\0' cannot occur in a valid expression or variable name, so the key is
  // unambiguous.
  std::string key = absl::StrCat(text, absl::string_view("\0", 1),
                                 absl::StrJoin(variables, ","));
  {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->value;
    }
    ++misses_;
  }
  // Compile outside the lock: a slow compile must not stall other callers.
  // Two callers may compile the same text at once; the second insert wins
  // harmlessly.
  auto compiled = CompileExpressionText(text, variables, limits_);
  if (!compiled.ok()) return compiled.status();
  absl::MutexLock lock(&mu_);
  InsertLocked(std::move(key), *compiled);
  return *compiled;
}

void ExpressionCache::InsertLocked(
    std::string key, std::shared_ptr<const CompiledExpression> value) {
  if (options_.max_entries == 0 || value->bytes > options_.max_bytes) return;
  auto existing = index_.find(key);
  if (existing != index_.end()) {
    bytes_ -= existing->second->value->bytes;
    lru_.erase(existing->second);
    index_.erase(existing);
  }
  bytes_ += value->bytes;
  lru_.push_front(Entry{key, std::move(value)});
  index_[std::move(key)] = lru_.begin();
  while (lru_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    Entry& last = lru_.back();
    bytes_ -= last.value->bytes;
    index_.erase(last.key);
    lru_.pop_back();
  }
}

ExpressionCacheStats ExpressionCache::stats() const {
  absl::MutexLock lock(&mu_);
  return {hits_, misses_, lru_.size(), bytes_};
}

}  // namespace slope::calculus
