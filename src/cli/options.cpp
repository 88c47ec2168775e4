#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

namespace wn {

std::string usage() {
  return R"(wn-train: the TensorFlow Addons weight-normalisation tutorial on CIFAR-10.

Usage: wn-train [options]

  --data PATH            cifar-10-binary.tar.gz, a .tar, a folder of the .bin files, or one
                         .bin file (default data/cifar-10-binary.tar.gz; `npm run data` puts it there)
  --model NAME           regular | weightnorm | both (default both)
  --epochs N             epochs to train (default 10)
  --batch-size N         samples per step (default 32)
  --optimizer NAME       adam | sgd (default adam: lr 1e-3, beta 0.9/0.999, epsilon 1e-7)
  --lr X                 learning rate (default 1e-3)
  --momentum X           SGD momentum (default 0)
  --train-samples N      use the first N training images (default 50000)
  --test-samples N       use the first N test images (default 10000)
  --seed S               seed for weights and shuffles (default 0)
  --threads T            threads per step (default: all cores)
  --wn-init MODE         tfa | paper | none: weight-norm initialisation (default tfa)
  --json FILE            write the history as JSON (rewritten after every epoch)
  --quiet                only the final summary
  --help                 this text
)";
}

namespace {
Result<long> parse_int(const std::string& flag, const std::string& text, long lo, long hi) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    return Error{flag + " expects an integer, got '" + text + "'"};
  if (v < lo || v > hi)
    return Error{flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text};
  return v;
}

Result<float> parse_positive_float(const std::string& flag, const std::string& text, bool allow_zero) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) return Error{flag + " expects a number, got '" + text + "'"};
  if (v < 0 || (!allow_zero && v == 0)) return Error{flag + " must be " + (allow_zero ? "≥ 0" : "> 0") + ", got " + text};
  return float(v);
}
}  // namespace

Result<CliOptions> parse_options(int argc, const char* const* argv) {
  CliOptions o;
  using Setter = std::function<Status(const std::string&)>;
  auto integer = [](int& out, const char* flag, long lo, long hi) -> Setter {
    return [&out, flag, lo, hi](const std::string& v) -> Status {
      auto r = parse_int(flag, v, lo, hi);
      if (!r) return r.status();
      out = int(r.value());
      return {};
    };
  };
  auto real = [](float& out, const char* flag, bool allow_zero) -> Setter {
    return [&out, flag, allow_zero](const std::string& v) -> Status {
      auto r = parse_positive_float(flag, v, allow_zero);
      if (!r) return r.status();
      out = r.value();
      return {};
    };
  };
  const std::map<std::string, Setter> flags = {
      {"--data", [&](const std::string& v) -> Status { o.data = v; return {}; }},
      {"--json", [&](const std::string& v) -> Status { o.json = v; return {}; }},
      {"--model", [&](const std::string& v) -> Status {
         if (v == "regular") o.models = {Preset::regular};
         else if (v == "weightnorm") o.models = {Preset::weightnorm};
         else if (v == "both") o.models = {Preset::regular, Preset::weightnorm};
         else return Error{"--model must be regular, weightnorm or both, got '" + v + "'"};
         return {};
       }},
      {"--optimizer", [&](const std::string& v) -> Status {
         if (v == "adam") o.optimizer = OptimizerKind::adam;
         else if (v == "sgd") o.optimizer = OptimizerKind::sgd;
         else return Error{"--optimizer must be adam or sgd, got '" + v + "'"};
         return {};
       }},
      {"--wn-init", [&](const std::string& v) -> Status {
         if (v == "tfa") o.wn_init = WnInit::tfa;
         else if (v == "paper") o.wn_init = WnInit::paper;
         else if (v == "none") o.wn_init = WnInit::none;
         else return Error{"--wn-init must be tfa, paper or none, got '" + v + "'"};
         return {};
       }},
      {"--seed", [&](const std::string& v) -> Status {
         auto r = parse_int("--seed", v, 0, 2147483647L);
         if (!r) return r.status();
         o.seed = std::uint64_t(r.value());
         return {};
       }},
      {"--epochs", integer(o.epochs, "--epochs", 1, 100000)},
      {"--batch-size", integer(o.batch_size, "--batch-size", 1, 4096)},
      {"--train-samples", integer(o.train_samples, "--train-samples", 1, 50000)},
      {"--test-samples", integer(o.test_samples, "--test-samples", 1, 10000)},
      {"--threads", integer(o.threads, "--threads", 1, 256)},
      {"--lr", real(o.learning_rate, "--lr", false)},
      {"--momentum", real(o.momentum, "--momentum", true)},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--quiet") {
      o.quiet = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const auto it = flags.find(arg);
    if (it == flags.end()) return Error{"unknown option '" + arg + "' (see --help)"};
    if (!has_value) {
      if (i + 1 >= argc || !argv[i + 1]) return Error{arg + " needs a value"};
      value = argv[++i];
    }
    Status s = it->second(value);
    if (!s) return Error{s.message()};
  }
  return o;
}

}  // namespace wn
