// The worker pool behind the gateway: upstream calls block (libcurl easy handles), so they run
// here and never on a server io thread. Workers are started on demand (a job waiting and no idle
// worker) up to the limit; each creates its own HttpClient on first use and keeps it, so the
// upstream connections of a worker are reused from one request to the next.
#include "providers/internal.h"

namespace sf::providers::internal {

Executor::Executor(int max_workers, std::function<std::unique_ptr<http::HttpClient>()> factory)
    : factory_(std::move(factory)), max_workers_(std::max(1, max_workers)) {}

Executor::~Executor() { Shutdown(); }

bool Executor::Submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_.load()) return false;
    queue_.push_back(std::move(job));
    if (static_cast<int>(queue_.size()) > idle_ &&
        static_cast<int>(threads_.size()) < max_workers_) {
      threads_.emplace_back([this] { Worker(); });
    }
  }
  cv_.notify_one();
  return true;
}

int Executor::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(threads_.size());
}

void Executor::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_.exchange(true)) return;
    threads.swap(threads_);
    queue_.clear();  // dropped jobs release their writers (the server then answers 500)
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

void Executor::Worker() {
  std::unique_ptr<http::HttpClient> client;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [&] { return stop_.load() || !queue_.empty(); });
    --idle_;
    if (stop_.load()) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (!client) client = factory_();
    job(*client);
    job = nullptr;  // release the writer before waiting again
    lock.lock();
  }
}

}  // namespace sf::providers::internal
