// engine_bench: Slope's expression engine against hand-written C++ (scalar
// and vectorised, same process, same run), PyTorch and SymPy (figures read
// from the Python references' output of the same run of bench/run.sh).
//
//   engine_bench --points DIR [--torch FILE] [--sympy FILE] [--quick]
//                [--reps N] [--n N]
//
// DIR holds e1.f64 .. e5.f64 from references/make_points.py. Every figure is
// printed as a ratio against its reference next to the target with
// "met"/"MISSED"; nothing is asserted.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/references/expressions.h"
#include "bench/references/references.h"

#if __has_include("server/calculus/evaluator.h")
#define SLOPE_BENCH_HAVE_EVALUATOR 1
#include "server/calculus/evaluator.h"
#include "server/calculus/parser.h"
#include "server/calculus/tape.h"
#endif
#if __has_include("server/calculus/derivative.h")
#define SLOPE_BENCH_HAVE_DERIVATIVE 1
#include "server/calculus/derivative.h"
#include "server/calculus/parser.h"
#include "server/calculus/printer.h"
#endif

namespace slope::bench {
namespace {

struct Options {
  std::string points_dir;
  std::string torch_file;
  std::string sympy_file;
  bool quick = false;
  int reps = 7;
  size_t n = 0;  // 0: every point of the file
};

// Runs body(begin, end) over [0, n) split into `threads` equal parts, one
// std::thread each (the calling thread takes the first part).
void Split(size_t n, int threads, const std::function<void(size_t, size_t)>& body) {
  if (threads <= 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> workers;
  const size_t per = (n + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    const size_t b = std::min(n, per * t), e = std::min(n, per * (t + 1));
    workers.emplace_back([&body, b, e] { body(b, e); });
  }
  body(0, std::min(n, per));
  for (auto& w : workers) w.join();
}

// The data of one expression in both layouts, and output buffers.
struct Data {
  size_t n = 0, d = 0;
  std::vector<double> rows;                // n x d
  std::vector<std::vector<double>> cols;   // d x n
  std::vector<const double*> col_ptrs;
  // Outputs: row-major (scalar, Slope) and columns (vector).
  std::vector<double> values, grads, hessians;
  std::vector<std::vector<double>> grad_cols;
  std::vector<double*> grad_col_ptrs;
};

double MaxRelError(const std::vector<double>& a, const std::vector<double>& b,
                   size_t count) {
  double worst = 0;
  for (size_t i = 0; i < count; ++i) {
    const double e = std::fabs(a[i] - b[i]) / (1 + std::fabs(b[i]));
    if (!(e <= worst)) worst = e;  // NaN propagates as a huge error
  }
  return worst;
}

std::string Sci(double v) { return Fmt("%.1e", v); }

int Main(const Options& opt) {
  const auto& exprs = Expressions();
  Figures torch, sympy;
  if (!opt.torch_file.empty()) torch.Load(opt.torch_file);
  if (!opt.sympy_file.empty()) sympy.Load(opt.sympy_file);
  const int reps = opt.reps;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());

  std::printf("## Engine: batch eval + gradient\n\n");
  std::printf("Points per expression: see each row; %d timed runs after one "
              "warm-up, median [min, max]. Threads split the point range in "
              "equal parts (std::thread), for every implementation alike. "
              "Hardware threads: %u.\n\n", reps, hw);
#ifndef SLOPE_BENCH_HAVE_EVALUATOR
  std::printf("Slope: not available yet: server/calculus/evaluator.h is "
              "missing; only the references are measured.\n\n");
#endif
  if (torch.empty()) {
    std::printf("PyTorch: not available (no --torch figures); PyTorch "
                "ratios are n/a.\n\n");
  }

  Table check({"expr", "points", "vector vs scalar (max rel err)",
               "Slope vs scalar value", "Slope vs scalar gradient",
               "PyTorch vs scalar (sums)", "Slope Hessian vs scalar"});
  Table rates({"expr", "threads", "Slope pts/s", "scalar C++ pts/s",
               "vector C++ pts/s", "PyTorch pts/s"});
  Table ratios({"expr", "threads", "Slope / PyTorch", "target", "",
                "Slope / scalar", "target", "", "Slope / vector", "target",
                ""});
  Table scaling({"expr", "Slope 2T / 1T", "target", "", "scalar 2T / 1T",
                 "vector 2T / 1T"});
  Table cost({"expr", "Slope eval pts/s", "Slope grad / eval time", "target",
              "", "scalar grad / eval", "vector grad / eval",
              "PyTorch grad / eval"});
  Table hess({"expr", "points", "Slope Hessian pts/s", "scalar C++ pts/s",
              "Slope / scalar", "PyTorch pts/s", "Slope / PyTorch"});
  Table onept({"expr", "Slope one-point eval+grad", "Slope batch per point",
               "one-point / batch", "scalar C++ per point",
               "one-point / scalar"});

  for (size_t e = 0; e < exprs.size(); ++e) {
    const auto& ex = exprs[e];
    const int ei = static_cast<int>(e);
    Data D;
    D.d = ex.variables.size();
    const std::string path =
        opt.points_dir + "/e" + std::to_string(e + 1) + ".f64";
    if (!ReadPoints(path, D.d, &D.rows, &D.n)) {
      std::fprintf(stderr, "engine_bench: cannot read %s (%zu columns)\n",
                   path.c_str(), D.d);
      return 2;
    }
    if (opt.n && opt.n < D.n) {
      D.n = opt.n;
      D.rows.resize(D.n * D.d);
    }
    const size_t n = D.n, d = D.d;
    D.cols.assign(d, std::vector<double>(n));
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < d; ++j) D.cols[j][i] = D.rows[i * d + j];
    for (auto& c : D.cols) D.col_ptrs.push_back(c.data());
    D.values.assign(n, 0);
    D.grads.assign(n * d, 0);
    D.grad_cols.assign(d, std::vector<double>(n));
    for (auto& c : D.grad_cols) D.grad_col_ptrs.push_back(c.data());

    // Correctness first: scalar is the reference for everyone.
    std::vector<double> ref_values(n), ref_grads(n * d);
    ScalarEvalGrad(ei, D.rows.data(), n, ref_values.data(), ref_grads.data());
    VectorEvalGrad(ei, D.col_ptrs.data(), 0, n, D.values.data(),
                   D.grad_col_ptrs.data());
    std::vector<double> vec_grads(n * d);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < d; ++j) vec_grads[i * d + j] = D.grad_cols[j][i];
    const double vec_err = std::max(MaxRelError(D.values, ref_values, n),
                                    MaxRelError(vec_grads, ref_grads, n * d));
    std::string torch_check = "n/a";
    if (const auto* sums = torch.Get("torch/checksum/" + std::string(ex.name))) {
      if (sums->size() == 1 + d) {
        double worst = 0;
        double ref_sum = 0;
        for (size_t i = 0; i < n; ++i) ref_sum += ref_values[i];
        worst = std::fabs((*sums)[0] - ref_sum) / (1 + std::fabs(ref_sum));
        for (size_t j = 0; j < d; ++j) {
          double s = 0;
          for (size_t i = 0; i < n; ++i) s += ref_grads[i * d + j];
          worst = std::max(worst, std::fabs((*sums)[1 + j] - s) / (1 + std::fabs(s)));
        }
        torch_check = Sci(worst);
      }
    }

    auto scalar_run = [&](int threads) {
      return Time(reps, [&] {
        Split(n, threads, [&](size_t b, size_t end) {
          ScalarEvalGrad(ei, D.rows.data() + b * d, end - b,
                         D.values.data() + b, D.grads.data() + b * d);
        });
      });
    };
    auto vector_run = [&](int threads) {
      return Time(reps, [&] {
        Split(n, threads, [&](size_t b, size_t end) {
          VectorEvalGrad(ei, D.col_ptrs.data(), b, end, D.values.data(),
                         D.grad_col_ptrs.data());
        });
      });
    };
    Stats scalar_t[3], vector_t[3], slope_t[3], torch_t[3];
    for (int t = 1; t <= 2; ++t) {
      scalar_t[t] = scalar_run(t);
      vector_t[t] = vector_run(t);
      torch_t[t] = torch.GetStats("torch/" + std::to_string(t) + "/" +
                                  ex.name + "/eval_grad");
    }
    const Stats scalar_eval = Time(reps, [&] {
      ScalarEval(ei, D.rows.data(), n, D.values.data());
    });
    const Stats vector_eval = Time(reps, [&] {
      VectorEval(ei, D.col_ptrs.data(), 0, n, D.values.data());
    });
    const Stats torch_eval = torch.GetStats("torch/1/" + std::string(ex.name) + "/eval");

    std::string slope_value_err = "n/a", slope_grad_err = "n/a",
                slope_hess_err = "n/a";
    Stats slope_eval;
#ifdef SLOPE_BENCH_HAVE_EVALUATOR
    namespace calc = slope::calculus;
    auto parsed = calc::Parse(ex.text);
    if (!parsed.ok()) {
      std::fprintf(stderr, "engine_bench: %s: %s\n", ex.name,
                   std::string(parsed.status().message()).c_str());
      return 2;
    }
    auto tape_or = calc::CompileTape(*parsed, ex.variables);
    if (!tape_or.ok()) {
      std::fprintf(stderr, "engine_bench: %s: %s\n", ex.name,
                   std::string(tape_or.status().message()).c_str());
      return 2;
    }
    const calc::Tape& tape = **tape_or;
    std::vector<calc::TapeWorkspace> workspaces(2);
    auto slope_batch = [&](bool gradient, int threads) {
      calc::BatchOptions bo;
      bo.gradient = gradient;
      calc::BatchOutput out;
      out.values = absl::MakeSpan(D.values);
      if (gradient) out.gradients = absl::MakeSpan(D.grads);
      const size_t per = (n + threads - 1) / threads;
      Split(n, threads, [&](size_t b, size_t end) {
        const int w = static_cast<int>(b / std::max<size_t>(per, 1));
        absl::Status s = calc::EvaluateBatch(
            tape, absl::MakeConstSpan(D.rows), n, b, end, bo, out, nullptr,
            &workspaces[w]);
        if (!s.ok()) {
          std::fprintf(stderr, "engine_bench: %s: %s\n", ex.name,
                       std::string(s.message()).c_str());
          std::exit(2);
        }
      });
    };
    slope_batch(true, 1);
    slope_value_err = Sci(MaxRelError(D.values, ref_values, n));
    slope_grad_err = Sci(MaxRelError(D.grads, ref_grads, n * d));
    for (int t = 1; t <= 2; ++t) {
      slope_t[t] = Time(reps, [&] { slope_batch(true, t); });
    }
    slope_eval = Time(reps, [&] { slope_batch(false, 1); });
#endif

    const double N = static_cast<double>(n);
    for (int t = 1; t <= 2; ++t) {
      rates.Row({ex.name, std::to_string(t), Spread(Rate(N, slope_t[t])),
                 Spread(Rate(N, scalar_t[t])), Spread(Rate(N, vector_t[t])),
                 Spread(Rate(N, torch_t[t]))});
      auto ratio = [&](const Stats& ref) {
        return slope_t[t].ok() && ref.ok() ? ref.median / slope_t[t].median : 0;
      };
      const double rt = ratio(torch_t[t]), rs = ratio(scalar_t[t]),
                   rv = ratio(vector_t[t]);
      auto show = [](double r) { return r > 0 ? Fmt("%.2fx", r) : "n/a"; };
      ratios.Row({ex.name, std::to_string(t), show(rt), Target(5),
                  Verdict(rt, 5), show(rs), Target(0.8), Verdict(rs, 0.8),
                  show(rv), Target(0.5), Verdict(rv, 0.5)});
    }
    auto speedup = [](const Stats& one, const Stats& two) {
      return one.ok() && two.ok() ? one.median / two.median : 0;
    };
    const double s_slope = speedup(slope_t[1], slope_t[2]);
    scaling.Row({ex.name, s_slope > 0 ? Fmt("%.2fx", s_slope) : "n/a",
                 Target(1.9), Verdict(s_slope, 1.9),
                 Fmt("%.2fx", speedup(scalar_t[1], scalar_t[2])),
                 Fmt("%.2fx", speedup(vector_t[1], vector_t[2]))});
    auto over = [](const Stats& a, const Stats& b) {
      return a.ok() && b.ok() ? Fmt("%.2f", a.median / b.median) : "n/a";
    };
    const double gc = slope_t[1].ok() && slope_eval.ok()
                          ? slope_t[1].median / slope_eval.median : 0;
    cost.Row({ex.name, Spread(Rate(N, slope_eval)),
              gc > 0 ? Fmt("%.2f", gc) : "n/a", Target(1.5, true),
              Verdict(gc, 1.5, true), over(scalar_t[1], scalar_eval),
              over(vector_t[1], vector_eval), over(torch_t[1], torch_eval)});

    // Hessians on E2 and E4, on the first hn points.
    if (ei == 1 || ei == 3) {
      const auto* hn_v = torch.Get("torch/hessian_points");
      size_t hn = hn_v && !hn_v->empty() ? static_cast<size_t>((*hn_v)[0])
                                         : std::min<size_t>(n, 100000);
      hn = std::min(hn, n);
      std::vector<double> hv(hn), hg(hn * d), hh(hn * d * d);
      const Stats scalar_h = Time(reps, [&] {
        ScalarHessian(ei, D.rows.data(), hn, hv.data(), hg.data(), hh.data());
      });
      const Stats torch_h = torch.GetStats("torch/1/" + std::string(ex.name) + "/hessian");
      Stats slope_h;
#ifdef SLOPE_BENCH_HAVE_EVALUATOR
      std::vector<double> sv(hn), sg(hn * d), sh(hn * d * d);
      calc::BatchOptions bo;
      bo.gradient = true;
      bo.hessian = true;
      calc::BatchOutput out{absl::MakeSpan(sv), absl::MakeSpan(sg),
                            absl::MakeSpan(sh)};
      auto run = [&] {
        absl::Status s = calc::EvaluateBatch(
            tape, absl::MakeConstSpan(D.rows.data(), hn * d), hn, bo, out,
            nullptr, &workspaces[0]);
        if (!s.ok()) std::exit(2);
      };
      run();
      slope_hess_err = Sci(MaxRelError(sh, hh, hn * d * d));
      slope_h = Time(reps, run);
#endif
      const double H = static_cast<double>(hn);
      hess.Row({ex.name, std::to_string(hn), Spread(Rate(H, slope_h)),
                Spread(Rate(H, scalar_h)), over(scalar_h, slope_h),
                Spread(Rate(H, torch_h)), over(torch_h, slope_h)});
    }

    // One point, compiled once, evaluated many times.
    {
      const size_t calls = opt.quick ? 20000 : 200000;
      const Stats scalar_one = Time(reps, [&] {
        for (size_t i = 0; i < calls; ++i) {
          const size_t p = i % 1024;
          D.values[p] = 0;
          ScalarEvalGrad(ei, D.rows.data() + p * d, 1, D.values.data() + p,
                         D.grads.data() + p * d);
        }
      });
      Stats slope_one;
#ifdef SLOPE_BENCH_HAVE_EVALUATOR
      double sink = 0;
      slope_one = Time(reps, [&] {
        for (size_t i = 0; i < calls; ++i) {
          const size_t p = i % 1024;
          auto r = calc::EvaluatePoint(
              tape, absl::MakeConstSpan(D.rows.data() + p * d, d),
              calc::Derivatives::kGradient, &workspaces[0]);
          if (r.ok()) sink += r->values[0];
        }
      });
      if (sink == 12345.678) std::printf(" ");
#endif
      auto per = [&](const Stats& s) {
        Stats p = s;
        p.median /= calls, p.min /= calls, p.max /= calls;
        return p;
      };
      Stats slope_batch_per = slope_t[1];
      slope_batch_per.median /= N, slope_batch_per.min /= N, slope_batch_per.max /= N;
      onept.Row({ex.name, Duration(per(slope_one)), Duration(slope_batch_per),
                 over(per(slope_one), slope_batch_per),
                 Duration(per(scalar_one)), over(per(slope_one), per(scalar_one))});
    }

    check.Row({ex.name, std::to_string(n), Sci(vec_err), slope_value_err,
               slope_grad_err, torch_check,
               (ei == 1 || ei == 3) ? slope_hess_err : "-"});
    std::fflush(stdout);
  }

  std::printf("### Agreement (max |a-b| / (1+|b|) over all points)\n\n");
  check.Print();
  std::printf("### Throughput, eval + full gradient\n\n");
  rates.Print();
  std::printf("### Ratios (reference time / Slope time; > 1 means Slope is "
              "faster)\n\n");
  ratios.Print();
  std::printf("### Two threads against one\n\n");
  scaling.Print();
  std::printf("### Gradient cost against evaluation alone (1 thread; time "
              "ratio)\n\n");
  cost.Print();
  std::printf("### Hessian (value + gradient + Hessian, 1 thread)\n\n");
  hess.Print();
  std::printf("### One point (compile once, evaluate one point many times, "
              "1 thread)\n\n");
  onept.Print();

  // Symbolic: every partial derivative of E1-E5 as a simplified formula.
  std::printf("## Symbolic: all partial derivatives, simplified\n\n");
#ifndef SLOPE_BENCH_HAVE_DERIVATIVE
  std::printf("Slope: not available yet: server/calculus/derivative.h is "
              "missing.\n\n");
#endif
  if (sympy.empty()) {
    std::printf("SymPy: not available (no --sympy figures).\n\n");
  }
  Table sym({"expr", "partials", "Slope time", "SymPy time", "Slope / SymPy",
             "target", ""});
  double slope_total = 0, sympy_total = 0;
  bool all_sympy = true;
  for (size_t e = 0; e < exprs.size(); ++e) {
    const auto& ex = exprs[e];
    Stats st;
#ifdef SLOPE_BENCH_HAVE_DERIVATIVE
    namespace calc2 = slope::calculus;
    size_t chars = 0;
    bool failed = false;
    const int inner = opt.quick ? 3 : 20;
    st = Time(reps, [&] {
      for (int k = 0; k < inner; ++k) {
        auto f = calc2::Parse(ex.text);
        if (!f.ok()) { failed = true; return; }
        for (const auto& v : ex.variables) {
          auto df = calc2::Differentiate(*f, v);
          if (!df.ok()) { failed = true; return; }
          chars += calc2::ToText(*df).size();
        }
      }
    });
    if (failed) {
      std::printf("Slope: %s failed to differentiate\n\n", ex.name);
      st = {};
    }
    st.median /= inner, st.min /= inner, st.max /= inner;
#endif
    const Stats sp = sympy.GetStats("sympy/" + std::string(ex.name));
    if (!sp.ok()) all_sympy = false;
    slope_total += st.median;
    sympy_total += sp.median;
    const double r = st.ok() && sp.ok() ? sp.median / st.median : 0;
    sym.Row({ex.name, std::to_string(ex.variables.size()), Duration(st),
             Duration(sp), r > 0 ? Fmt("%.0fx", r) : "n/a", Target(100),
             Verdict(r, 100)});
  }
  if (all_sympy && slope_total > 0) {
    const double r = sympy_total / slope_total;
    sym.Row({"all", "", Fmt("%.3g ms", slope_total * 1e3),
             Fmt("%.3g s", sympy_total), Fmt("%.0fx", r), Target(100),
             Verdict(r, 100)});
  }
  sym.Print();
  return 0;
}

}  // namespace
}  // namespace slope::bench

int main(int argc, char** argv) {
  slope::bench::Options opt;
  CLI::App app{"Slope's expression engine against hand-written C++, "
               "PyTorch and SymPy (BENCHMARKS.md sections 1-2)",
               "engine_bench"};
  app.add_option("--points", opt.points_dir, "directory of the points files");
  app.add_option("--torch", opt.torch_file, "PyTorch's figures");
  app.add_option("--sympy", opt.sympy_file, "SymPy's figures");
  app.add_flag("--quick", opt.quick, "a smoke run");
  app.add_option("--reps", opt.reps, "repetitions per figure");
  app.add_option("--n", opt.n, "points per batch");
  if (int code = slope::bench::ParseFlags(app, argc, argv); code >= 0) {
    return code;
  }
  if (opt.points_dir.empty()) {
    std::fprintf(stderr, "engine_bench: --points DIR is required\n");
    return 2;
  }
  if (opt.quick && opt.reps == 7) opt.reps = 3;
  return slope::bench::Main(opt);
}
