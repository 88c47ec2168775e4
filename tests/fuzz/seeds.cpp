// Writes the seed corpora for the fuzz targets: small valid inputs of each kind.
//   wn-fuzz-seeds DIR   → DIR/{tar,gzip,cifar,options,history}/seed-*
#include <sys/stat.h>

#include <string>
#include <vector>

#include "../archives.hpp"

using namespace wn::test;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  for (const char* t : {"tar", "gzip", "cifar", "options", "history"}) mkdir((dir + "/" + t).c_str(), 0755);

  const Bytes train = cifar_records(3, 10), test = cifar_records(2, 100);
  const Bytes tar = make_tar({{"cifar-10-batches-bin/", {}}, {"cifar-10-batches-bin/data_batch_1.bin", train},
                              {"cifar-10-batches-bin/test_batch.bin", test}, {"readme.txt", Bytes(40, 'r')}});
  write_file(dir + "/tar/seed-0", concat({3}, tar));
  write_file(dir + "/tar/seed-1", concat({0}, make_tar({{"a", Bytes(1, 'a')}}, false)));
  const std::string long_name = std::string(150, 'l') + "/test_batch.bin";
  const Bytes named = tar_member("././@LongLink", concat(Bytes(long_name.begin(), long_name.end()), {0}), 'L');
  const Bytes paxed = tar_member("PaxHeaders/p", pax_record("path", "x/data_batch_1.bin"), 'x');
  write_file(dir + "/tar/seed-2", concat({1}, concat(concat(named, make_tar({{"t", test}}, false)), concat(paxed, make_tar({{"d", train}})))));
  write_file(dir + "/gzip/seed-0", concat({255}, gzip(tar)));
  write_file(dir + "/gzip/seed-1", concat({0}, gzip(make_tar({{"data_batch_2.bin", cifar_records(1, 5)}}))));
  write_file(dir + "/gzip/seed-2", concat({3}, gzip_members(tar, {700, 4000})));  // members joined with cat
  write_file(dir + "/gzip/seed-3", concat(concat({40}, gzip(make_tar({{"test_batch.bin", test}}, false))), {0, 0, 'j'}));
  write_file(dir + "/gzip/seed-4", concat({7}, tar));
  write_file(dir + "/cifar/seed-0", concat({0, 7}, train));
  write_file(dir + "/cifar/seed-1", concat({2, 0}, test));
  write_file(dir + "/cifar/seed-2", concat({1, 1}, tar));
  const std::vector<std::vector<std::string>> options = {
      {"--epochs", "3", "--model", "both"},
      {"--lr=0.01", "--wn-init", "paper", "--threads", "2"},
      {"--data", "x.tar.gz", "--train-samples", "100", "--json", "h.json", "--quiet"},
      {"--optimizer", "sgd", "--momentum", "0.9", "--batch-size=64", "--seed", "7"},
      {"--epochs", "0", "--model", "both"},  // evaluation only (a stale invariant once trapped here)
      {"--experiment", "lr-sweep", "--seeds", "1-3", "--lr", "1e-3,1e-2"},
      {"--model", "regular,weightnorm", "--wn-init", "tfa,paper,none", "--init-samples", "500"},
      {"--load-weights", "w.npz", "--save-weights", "{model}-{seed}.npz", "--diagnostics", "d.jsonl"}};
  int k = 0;
  for (const auto& args : options) {
    Bytes joined;
    for (const std::string& a : args) {
      if (!joined.empty()) joined.push_back(0);
      joined.insert(joined.end(), a.begin(), a.end());
    }
    write_file(dir + "/options/seed-" + std::to_string(k++), joined);
  }
  // History files as wn-train writes them (docs/history.md): a shard, and a whole run with a NaN loss.
  const std::string run = R"({"model": "weightnorm", "seed": 3, "optimizer": "sgd", "learning_rate": 0.0099999998, )"
                          R"("momentum": 0.9, "wn_init": "paper", "ms_per_step": 1.5, "stopped": null, "history": [{"epoch": 1, )"
                          R"("seconds": 0.5, "loss": null, "accuracy": 0.25, "val_loss": 2.1, "val_accuracy": 0.3}], )"
                          R"("confusion_matrix": [[1, 0], [0, 1]], "per_class_accuracy": [1, 1]})";
  const std::string head = R"({"format": "wn-history", "version": 1, "tool": "wn-train 0.1.0", "options": {"data": "d\u00e9", )"
                           R"("experiment": null, "epochs": 1, "threads": 2)";
  const std::string histories[] = {head + R"(, "shard": "1/4"}, "runs": [)" + run + "]}", head + R"(}, "runs": [)" + run + ", " +
                                                                                              run + "]}"};
  for (int i = 0; i < 2; ++i) write_file(dir + "/history/seed-" + std::to_string(i), Bytes(histories[i].begin(), histories[i].end()));
  return 0;
}
