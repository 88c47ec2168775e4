#pragma once
// A persistent pool: run(fn) calls fn(0..size-1) once each, the caller taking 0,
// and returns when all are done. Work is split by index, never by who finishes
// first, so results do not depend on timing.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wn {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }
  void run(const std::function<void(int)>& fn);

  static int hardware_threads();
  // The most threads this build can run (1 in WebAssembly without pthreads); larger requests are cut.
  static int max_threads();

 private:
  void worker(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  unsigned long generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
};

}  // namespace wn
