// A single worker thread running closures after a wall-clock delay: slow-response faults, SSE
// follow polling, and the build checks (py_compile) that must not run on an io thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace sf::sim {

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();  // Stop()
  void After(std::chrono::milliseconds delay, std::function<void()> fn);
  // Runs nothing more; pending closures are dropped (their captured writers then end/500).
  void Stop();

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sf::sim
