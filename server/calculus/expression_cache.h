// A bounded, thread-safe cache of compiled expressions, so that repeated
// calls with the same expression skip parsing and compiling.
//
// Keyed by the expression text and the variable order of its tape; bounded
// both by entries and by an estimate of the memory they hold, evicting the
// least recently used. Values are immutable and shared: an entry evicted
// while a request still uses it lives on until that request drops it.
#ifndef SLOPE_SERVER_CALCULUS_EXPRESSION_CACHE_H_
#define SLOPE_SERVER_CALCULUS_EXPRESSION_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "server/calculus/ast.h"
#include "server/calculus/limits.h"
#include "server/calculus/tape.h"

namespace slope::calculus {

// An expression ready to evaluate: its tree (for symbolic work) and its
// tape over `tape->variables()`.
struct CompiledExpression {
  std::string text;
  NodePtr tree;
  // The variables the expression uses, sorted.
  std::vector<std::string> used_variables;
  std::shared_ptr<const Tape> tape;
  // Rough memory held, for the cache's byte bound.
  size_t bytes = 0;
};

struct ExpressionCacheOptions {
  size_t max_entries = 1024;
  size_t max_bytes = 64u << 20;
};

struct ExpressionCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t entries = 0;
  size_t bytes = 0;
};

class ExpressionCache {
 public:
  ExpressionCache(ExpressionCacheOptions options, ExpressionLimits limits);

  ExpressionCache(const ExpressionCache&) = delete;
  ExpressionCache& operator=(const ExpressionCache&) = delete;

  // The compiled form of `text` with inputs in this order: `variables`
  // first, then any variable the expression uses that `variables` does not
  // list, sorted. Parse errors and limits come back as Parse reports them;
  // errors are not cached.
  absl::StatusOr<std::shared_ptr<const CompiledExpression>> Get(
      absl::string_view text, absl::Span<const std::string> variables = {});

  ExpressionCacheStats stats() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CompiledExpression> value;
  };
  using Lru = std::list<Entry>;

  void InsertLocked(std::string key,
                    std::shared_ptr<const CompiledExpression> value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ExpressionCacheOptions options_;
  const ExpressionLimits limits_;

  mutable absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<std::string, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

// Compiles without caching; what the cache does on a miss.
absl::StatusOr<std::shared_ptr<const CompiledExpression>> CompileExpressionText(
    absl::string_view text, absl::Span<const std::string> variables,
    const ExpressionLimits& limits);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_EXPRESSION_CACHE_H_
