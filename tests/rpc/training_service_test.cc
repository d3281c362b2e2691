// TrainingService over a real loopback server: jobs, listing, streaming
// (Train, WatchJob replay and live, OUT_OF_RANGE, many watchers, shutdown),
// cancellation latency, divergence, spec errors with field paths, uploads,
// Predict and GetModel. Jobs are small so the whole file runs in seconds.
#include <atomic>
#include <chrono>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "slope/v1/info.grpc.pb.h"
#include "slope/v1/training.grpc.pb.h"
#include "tests/rpc/test_server.h"
#include "tests/timing.h"

namespace slope::rpc {
namespace {

using ::slope::test_support::kTimingSlack;

namespace v1 = slope::v1;
using Clock = std::chrono::steady_clock;

v1::JobSpec MoonsLogistic(uint32_t epochs = 20, uint32_t n = 400) {
  v1::JobSpec spec;
  spec.mutable_model()->mutable_logistic();
  auto* g = spec.mutable_data()->mutable_generated();
  g->set_kind(v1::GENERATOR_MOONS);
  g->set_n(n);
  g->set_noise(0.1);
  spec.set_epochs(epochs);
  spec.set_batch_size(32);
  spec.mutable_optimizer()->set_learning_rate(0.05);
  spec.set_seed(1);
  return spec;
}

// An MLP job big enough to keep running for seconds, for cancel, delete,
// live watching and shutdown tests.
v1::JobSpec LongJob() {
  v1::JobSpec spec;
  auto* mlp = spec.mutable_model()->mutable_mlp();
  for (uint32_t size : {2u, 64u, 64u, 1u}) mlp->add_layer_sizes(size);
  auto* g = spec.mutable_data()->mutable_generated();
  g->set_kind(v1::GENERATOR_MOONS);
  g->set_n(4000);
  g->set_noise(0.1);
  spec.set_epochs(5000);
  spec.set_batch_size(16);
  spec.set_report_every_ms(20);
  spec.set_seed(3);
  return spec;
}

google::rpc::BadRequest BadRequestOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::BadRequest bad_request;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&bad_request)) break;
    }
  }
  return bad_request;
}

class TrainingServiceTest : public ::testing::Test {
 protected:
  explicit TrainingServiceTest(ServerOptions options = {})
      : server_(std::move(options)),
        stub_(v1::TrainingService::NewStub(server_.channel())) {}

  grpc::Status Create(const v1::JobSpec& spec, v1::Job* job) {
    grpc::ClientContext context;
    v1::CreateJobRequest request;
    *request.mutable_spec() = spec;
    return stub_->CreateJob(&context, request, job);
  }

  v1::Job MustCreate(const v1::JobSpec& spec) {
    v1::Job job;
    grpc::Status status = Create(spec, &job);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return job;
  }

  grpc::Status Get(const std::string& id, v1::Job* job) {
    grpc::ClientContext context;
    v1::GetJobRequest request;
    request.set_job_id(id);
    return stub_->GetJob(&context, request, job);
  }

  grpc::Status Cancel(const std::string& id, v1::Job* job) {
    grpc::ClientContext context;
    v1::CancelJobRequest request;
    request.set_job_id(id);
    return stub_->CancelJob(&context, request, job);
  }

  grpc::Status Delete(const std::string& id) {
    grpc::ClientContext context;
    v1::DeleteJobRequest request;
    request.set_job_id(id);
    v1::DeleteJobResponse response;
    return stub_->DeleteJob(&context, request, &response);
  }

  static bool Finished(const v1::Job& job) {
    return job.state() == v1::JOB_STATE_SUCCEEDED ||
           job.state() == v1::JOB_STATE_FAILED ||
           job.state() == v1::JOB_STATE_CANCELLED;
  }

  v1::Job WaitFor(const std::string& id,
                  bool (*done)(const v1::Job&) = &Finished,
                  std::chrono::milliseconds timeout =
                      std::chrono::milliseconds(20000)) {
    const auto deadline = Clock::now() + timeout;
    v1::Job job;
    while (Clock::now() < deadline) {
      EXPECT_TRUE(Get(id, &job).ok());
      if (done(job)) return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "job " << id << " did not get there in time: "
                  << job.ShortDebugString();
    return job;
  }

  // Reads a WatchJob stream to its end.
  grpc::Status Watch(const std::string& id, uint32_t after,
                     std::vector<v1::JobEvent>* events) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    v1::WatchJobRequest request;
    request.set_job_id(id);
    request.set_after_sequence(after);
    auto reader = stub_->WatchJob(&context, request);
    v1::JobEvent event;
    while (reader->Read(&event)) events->push_back(event);
    return reader->Finish();
  }

  grpc::Status Train(const v1::JobSpec& spec,
                     std::vector<v1::JobEvent>* events) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    v1::TrainRequest request;
    *request.mutable_spec() = spec;
    auto reader = stub_->Train(&context, request);
    v1::JobEvent event;
    while (reader->Read(&event)) events->push_back(event);
    return reader->Finish();
  }

  grpc::Status Upload(const std::vector<std::string>& chunks,
                      v1::Dataset* dataset) {
    grpc::ClientContext context;
    auto writer = stub_->UploadDataset(&context, dataset);
    v1::UploadDatasetRequest request;
    request.set_name("points");
    for (const std::string& chunk : chunks) {
      request.set_csv_chunk(chunk);
      if (!writer->Write(request)) break;
      request.clear_name();
    }
    writer->WritesDone();
    return writer->Finish();
  }

  TestServer server_;
  std::unique_ptr<v1::TrainingService::Stub> stub_;
};

// Checks the shape every complete event stream has: numbered without gaps
// from `first`, QUEUED/RUNNING state changes, progress, and a finished event
// last.
void ExpectCompleteStream(const std::vector<v1::JobEvent>& events,
                          const std::string& job_id, uint32_t first) {
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), first + i);
    EXPECT_EQ(events[i].job_id(), job_id);
    EXPECT_GT(events[i].time().seconds(), 0);
  }
  EXPECT_TRUE(events.back().has_finished()) << events.back().ShortDebugString();
  EXPECT_EQ(events.back().finished().last_sequence(),
            events.back().sequence());
}

TEST_F(TrainingServiceTest, CreateGetAndListWithPagingAndFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    v1::JobSpec spec = MoonsLogistic(2, 100);
    spec.set_display_name(absl::StrCat("run", i));
    v1::Job job = MustCreate(spec);
    EXPECT_TRUE(absl::StartsWith(job.id(), "job-")) << job.id();
    EXPECT_EQ(job.display_name(), absl::StrCat("run", i));
    EXPECT_GT(job.create_time().seconds(), 0);
    ids.push_back(job.id());
  }
  for (const std::string& id : ids) WaitFor(id);

  v1::Job got;
  ASSERT_TRUE(Get(ids[1], &got).ok());
  EXPECT_EQ(got.id(), ids[1]);
  EXPECT_EQ(got.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(got.spec().model().has_logistic());
  EXPECT_EQ(got.spec().data().generated().n(), 100u);
  EXPECT_EQ(got.result().epochs_completed(), 2u);
  EXPECT_GT(got.end_time().seconds(), 0);
  EXPECT_GT(got.last_sequence(), 3u);

  // Newest first, two per page.
  grpc::ClientContext c1;
  v1::ListJobsRequest request;
  request.set_page_size(2);
  v1::ListJobsResponse page1;
  ASSERT_TRUE(stub_->ListJobs(&c1, request, &page1).ok());
  ASSERT_EQ(page1.jobs_size(), 2);
  EXPECT_EQ(page1.jobs(0).id(), ids[2]);
  EXPECT_EQ(page1.jobs(1).id(), ids[1]);
  ASSERT_FALSE(page1.next_page_token().empty());
  request.set_page_token(page1.next_page_token());
  grpc::ClientContext c2;
  v1::ListJobsResponse page2;
  ASSERT_TRUE(stub_->ListJobs(&c2, request, &page2).ok());
  ASSERT_EQ(page2.jobs_size(), 1);
  EXPECT_EQ(page2.jobs(0).id(), ids[0]);
  EXPECT_TRUE(page2.next_page_token().empty());

  // The state filter.
  v1::ListJobsRequest by_state;
  by_state.set_state(v1::JOB_STATE_SUCCEEDED);
  grpc::ClientContext c3;
  v1::ListJobsResponse succeeded;
  ASSERT_TRUE(stub_->ListJobs(&c3, by_state, &succeeded).ok());
  EXPECT_EQ(succeeded.jobs_size(), 3);
  by_state.set_state(v1::JOB_STATE_FAILED);
  grpc::ClientContext c4;
  v1::ListJobsResponse failed;
  ASSERT_TRUE(stub_->ListJobs(&c4, by_state, &failed).ok());
  EXPECT_EQ(failed.jobs_size(), 0);

  // A token from another filter, or garbage, is INVALID_ARGUMENT.
  by_state.set_page_token("not-a-token");
  grpc::ClientContext c5;
  v1::ListJobsResponse bad;
  EXPECT_EQ(stub_->ListJobs(&c5, by_state, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TrainingServiceTest, ListingsLeaveOutInlineDataValues) {
  v1::JobSpec spec;
  spec.mutable_model()->mutable_linear();
  auto* columns = spec.mutable_data()->mutable_inline_()->mutable_columns();
  for (int i = 0; i < 50; ++i) {
    (*columns)["x"].add_values(i);
    (*columns)["y"].add_values(2 * i + 1);
  }
  spec.set_epochs(1);
  v1::Job job = MustCreate(spec);
  WaitFor(job.id());
  v1::Job full;
  ASSERT_TRUE(Get(job.id(), &full).ok());
  EXPECT_EQ(full.spec().data().inline_().columns().at("x").values_size(), 50);
  grpc::ClientContext context;
  v1::ListJobsResponse list;
  ASSERT_TRUE(stub_->ListJobs(&context, {}, &list).ok());
  ASSERT_EQ(list.jobs_size(), 1);
  EXPECT_EQ(list.jobs(0).spec().data().inline_().columns().at("x").values_size(),
            0);
}

TEST_F(TrainingServiceTest, TrainStreamsFallingLossAndEndsWithFinished) {
  std::vector<v1::JobEvent> events;
  ASSERT_TRUE(Train(MoonsLogistic(20), &events).ok());
  ASSERT_FALSE(events.empty());
  const std::string id = events[0].job_id();
  ExpectCompleteStream(events, id, 1);
  ASSERT_TRUE(events[0].has_state_change());
  EXPECT_EQ(events[0].state_change().state(), v1::JOB_STATE_QUEUED);

  std::vector<double> losses;
  for (const auto& e : events) {
    if (e.has_progress()) losses.push_back(e.progress().loss());
  }
  ASSERT_GE(losses.size(), 10u);
  EXPECT_LT(losses.back(), 0.6 * losses.front());
  const v1::Job& finished = events.back().finished();
  EXPECT_EQ(finished.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_GT(finished.result().metrics().at("accuracy"), 0.8);
  EXPECT_GT(finished.result().samples_per_second(), 0);
  EXPECT_EQ(events[events.size() - 2].state_change().state(),
            v1::JOB_STATE_SUCCEEDED);
}

TEST_F(TrainingServiceTest, WatchReplaysFromACursorThenFollowsLive) {
  v1::JobSpec spec = LongJob();
  spec.set_epochs(40);
  spec.mutable_data()->mutable_generated()->set_n(2000);
  v1::Job job = MustCreate(spec);
  // Wait until a few progress events exist, so the watch below replays some
  // history and then follows the rest live.
  v1::Job running = WaitFor(job.id(), [](const v1::Job& j) {
    return j.last_sequence() >= 4 || (j.state() != v1::JOB_STATE_RUNNING &&
                                      j.state() != v1::JOB_STATE_QUEUED);
  });
  ASSERT_EQ(running.state(), v1::JOB_STATE_RUNNING)
      << "the job finished too fast to watch live";

  std::vector<v1::JobEvent> from_cursor;
  ASSERT_TRUE(Watch(job.id(), 3, &from_cursor).ok());
  ExpectCompleteStream(from_cursor, job.id(), 4);
  EXPECT_EQ(from_cursor.back().finished().state(), v1::JOB_STATE_SUCCEEDED);
  // Some events were appended after the watch began: it followed live.
  const auto watch_started = running.last_sequence();
  EXPECT_GT(from_cursor.back().sequence(), watch_started + 1);

  // A replay of a finished job gives the same events.
  std::vector<v1::JobEvent> replay;
  ASSERT_TRUE(Watch(job.id(), 0, &replay).ok());
  ExpectCompleteStream(replay, job.id(), 1);
  ASSERT_EQ(replay.size(), from_cursor.size() + 3);
  for (size_t i = 0; i < from_cursor.size(); ++i) {
    EXPECT_EQ(replay[i + 3].SerializeAsString(),
              from_cursor[i].SerializeAsString());
  }
  // Watching from the end gives nothing but still ends OK.
  std::vector<v1::JobEvent> none;
  ASSERT_TRUE(Watch(job.id(), replay.back().sequence(), &none).ok());
  EXPECT_TRUE(none.empty());
}

class SmallLogTest : public TrainingServiceTest {
 protected:
  static ServerOptions Options() {
    ServerOptions options;
    options.jobs.max_events_per_job = 8;
    options.jobs.max_dataset_bytes = 2000;
    return options;
  }
  SmallLogTest() : TrainingServiceTest(Options()) {}
};

TEST_F(SmallLogTest, CursorIntoEvictedHistoryIsOutOfRange) {
  v1::JobSpec spec = MoonsLogistic(30, 50);
  v1::Job job = MustCreate(spec);
  const v1::Job done = WaitFor(job.id());
  ASSERT_GT(done.last_sequence(), 20u);

  std::vector<v1::JobEvent> events;
  grpc::Status status = Watch(job.id(), 3, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_NE(status.error_message().find("oldest retained"), std::string::npos)
      << status.error_message();
  EXPECT_TRUE(events.empty());

  // A cursor past the end is OUT_OF_RANGE too.
  events.clear();
  status = Watch(job.id(), done.last_sequence() + 5, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);

  // From 0: what is retained, with the gap reported in `skipped`.
  events.clear();
  ASSERT_TRUE(Watch(job.id(), 0, &events).ok());
  ASSERT_LE(events.size(), 8u);
  uint32_t skipped = 0;
  for (const auto& e : events) skipped += e.skipped();
  EXPECT_EQ(skipped + events.size(), done.last_sequence());
  EXPECT_TRUE(events.back().has_finished());
}

TEST_F(SmallLogTest, UploadBeyondTheByteLimitIsResourceExhausted) {
  v1::Dataset dataset;
  std::string csv = "x,y\n";
  while (csv.size() < 3000) csv += "1.0,2.0\n";
  grpc::Status status = Upload({csv.substr(0, 1500), csv.substr(1500)},
                               &dataset);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("max_dataset_bytes"),
            std::string::npos)
      << status.error_message();
}

TEST_F(TrainingServiceTest, CancelStopsARunningJobWithin100ms) {
  v1::Job job = MustCreate(LongJob());
  WaitFor(job.id(), [](const v1::Job& j) {
    return j.state() == v1::JOB_STATE_RUNNING && j.has_progress();
  });
  const auto start = Clock::now();
  v1::Job cancelled;
  ASSERT_TRUE(Cancel(job.id(), &cancelled).ok());
  const v1::Job done = WaitFor(job.id());
  const auto latency = Clock::now() - start;
  EXPECT_EQ(done.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_LT(latency, std::chrono::milliseconds(100) * kTimingSlack)
      << std::chrono::duration_cast<std::chrono::milliseconds>(latency).count()
      << " ms";
  EXPECT_NE(done.message().find("CancelJob"), std::string::npos)
      << done.message();
  // Cancelling again changes nothing.
  v1::Job again;
  ASSERT_TRUE(Cancel(job.id(), &again).ok());
  EXPECT_EQ(again.state(), v1::JOB_STATE_CANCELLED);
}

TEST_F(TrainingServiceTest, CancellingTheTrainCallLeavesTheJobRunning) {
  grpc::ClientContext context;
  v1::TrainRequest request;
  *request.mutable_spec() = LongJob();
  auto reader = stub_->Train(&context, request);
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event));
  const std::string id = event.job_id();
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  v1::Job job;
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_FALSE(Finished(job)) << job.ShortDebugString();
  ASSERT_TRUE(Cancel(id, &job).ok());
  EXPECT_EQ(WaitFor(id).state(), v1::JOB_STATE_CANCELLED);
}

TEST_F(TrainingServiceTest, DivergenceFailsWithALearningRateHint) {
  v1::JobSpec spec;
  spec.mutable_model()->mutable_linear();
  auto* g = spec.mutable_data()->mutable_generated();
  g->set_kind(v1::GENERATOR_LINEAR);
  g->set_n(200);
  spec.mutable_optimizer()->set_kind(v1::OPTIMIZER_SGD);
  spec.mutable_optimizer()->set_learning_rate(1e6);
  spec.set_epochs(50);
  std::vector<v1::JobEvent> events;
  ASSERT_TRUE(Train(spec, &events).ok());
  ASSERT_FALSE(events.empty());
  const v1::Job& job = events.back().finished();
  EXPECT_EQ(job.state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(job.message().find("learning rate"), std::string::npos)
      << job.message();
  EXPECT_NE(job.message().find("smaller"), std::string::npos) << job.message();
  // A failed job serves no model.
  grpc::ClientContext context;
  v1::GetModelRequest request;
  request.set_job_id(job.id());
  v1::Model model;
  EXPECT_EQ(stub_->GetModel(&context, request, &model).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TrainingServiceTest, BadSpecsAreInvalidArgumentNamingTheField) {
  struct Case {
    std::string name;
    void (*mutate)(v1::JobSpec*);
    grpc::StatusCode code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no objective", [](v1::JobSpec* s) { s->clear_model(); },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.objective"},
      {"negative lr",
       [](v1::JobSpec* s) { s->mutable_optimizer()->set_learning_rate(-1); },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.optimizer.learning_rate"},
      {"zero layer",
       [](v1::JobSpec* s) {
         auto* mlp = s->mutable_model()->mutable_mlp();
         for (uint32_t size : {2u, 0u, 1u}) mlp->add_layer_sizes(size);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.model.mlp.layer_sizes[1]"},
      {"unknown optimizer",
       [](v1::JobSpec* s) {
         s->mutable_optimizer()->set_kind(static_cast<v1::Optimizer>(42));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.optimizer.kind"},
      {"no data", [](v1::JobSpec* s) { s->clear_data(); },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.data"},
      {"mismatched columns",
       [](v1::JobSpec* s) {
         auto* columns = s->mutable_data()->mutable_inline_()->mutable_columns();
         (*columns)["x"].add_values(1);
         (*columns)["x"].add_values(2);
         (*columns)["y"].add_values(1);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.data"},
      {"bce on linear",
       [](v1::JobSpec* s) {
         s->mutable_model()->mutable_linear();
         s->set_loss(v1::LOSS_BINARY_CROSS_ENTROPY);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "spec.loss"},
      {"too many epochs", [](v1::JobSpec* s) { s->set_epochs(1'000'000); },
       grpc::StatusCode::RESOURCE_EXHAUSTED, "spec.epochs"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::JobSpec spec = MoonsLogistic();
    c.mutate(&spec);
    v1::Job job;
    grpc::Status status = Create(spec, &job);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << status.error_message();
    if (c.code == grpc::StatusCode::INVALID_ARGUMENT) {
      google::rpc::BadRequest bad = BadRequestOf(status);
      ASSERT_EQ(bad.field_violations_size(), 1);
      EXPECT_EQ(bad.field_violations(0).field().rfind(c.field, 0), 0u)
          << bad.field_violations(0).field();
    }
  }
  // Nothing was queued.
  grpc::ClientContext context;
  v1::ListJobsResponse list;
  ASSERT_TRUE(stub_->ListJobs(&context, {}, &list).ok());
  EXPECT_EQ(list.jobs_size(), 0);
}

TEST_F(TrainingServiceTest, UnknownIdsAreNotFound) {
  const std::string id = "job-00000000";
  v1::Job job;
  EXPECT_EQ(Get(id, &job).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Cancel(id, &job).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete(id).error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<v1::JobEvent> events;
  EXPECT_EQ(Watch(id, 0, &events).error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext context;
    v1::PredictRequest request;
    request.set_job_id(id);
    v1::PredictResponse response;
    EXPECT_EQ(stub_->Predict(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::GetModelRequest request;
    request.set_job_id(id);
    v1::Model model;
    EXPECT_EQ(stub_->GetModel(&context, request, &model).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // An empty id names the missing field instead.
  grpc::Status empty = Get("", &job);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(empty.error_message().rfind("job_id", 0), 0u);
}

TEST_F(TrainingServiceTest, DeleteOnlyFinishedJobs) {
  v1::Job job = MustCreate(LongJob());
  EXPECT_EQ(Delete(job.id()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::Job cancelled;
  ASSERT_TRUE(Cancel(job.id(), &cancelled).ok());
  WaitFor(job.id());
  ASSERT_TRUE(Delete(job.id()).ok());
  v1::Job gone;
  EXPECT_EQ(Get(job.id(), &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete(job.id()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(TrainingServiceTest, UploadThenTrainRecoversSlopeAndIntercept) {
  // y = 3x + 2, sent in pieces that split lines and numbers anywhere.
  std::string csv = "x,y\n";
  for (int i = 0; i <= 100; ++i) {
    const double x = -1 + 0.02 * i;
    csv += absl::StrFormat("%.4f,%.4f\n", x, 3 * x + 2);
  }
  std::vector<std::string> chunks;
  for (size_t at = 0; at < csv.size(); at += 37) chunks.push_back(csv.substr(at, 37));
  v1::Dataset dataset;
  grpc::Status uploaded = Upload(chunks, &dataset);
  ASSERT_TRUE(uploaded.ok()) << uploaded.error_message();
  EXPECT_EQ(dataset.name(), "points");
  EXPECT_EQ(dataset.rows(), 101u);
  EXPECT_EQ(std::vector<std::string>(dataset.columns().begin(),
                                     dataset.columns().end()),
            (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(dataset.bytes(), csv.size());

  v1::JobSpec spec;
  spec.mutable_model()->mutable_linear();
  spec.mutable_data()->set_dataset_id(dataset.id());
  spec.mutable_optimizer()->set_learning_rate(0.1);
  spec.set_epochs(200);
  spec.set_batch_size(16);
  std::vector<v1::JobEvent> events;
  ASSERT_TRUE(Train(spec, &events).ok());
  ASSERT_FALSE(events.empty());
  const v1::Job& job = events.back().finished();
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.message();
  EXPECT_GT(job.result().metrics().at("r2"), 0.999);

  grpc::ClientContext model_context;
  v1::GetModelRequest model_request;
  model_request.set_job_id(job.id());
  v1::Model model;
  ASSERT_TRUE(stub_->GetModel(&model_context, model_request, &model).ok());
  ASSERT_EQ(model.features_size(), 1);
  EXPECT_EQ(model.features(0), "x");
  EXPECT_EQ(model.target(), "y");
  EXPECT_NEAR(model.parameters().at("weight").values(0), 3.0, 0.01);
  EXPECT_NEAR(model.parameters().at("bias").values(0), 2.0, 0.01);

  grpc::ClientContext predict_context;
  v1::PredictRequest predict;
  predict.set_job_id(job.id());
  (*predict.mutable_inputs())["x"].add_values(10);
  (*predict.mutable_inputs())["x"].add_values(-2);
  v1::PredictResponse prediction;
  ASSERT_TRUE(stub_->Predict(&predict_context, predict, &prediction).ok());
  ASSERT_EQ(prediction.rows(), 2u);
  EXPECT_EQ(prediction.outputs_per_row(), 1u);
  EXPECT_NEAR(prediction.outputs(0), 32.0, 0.2);
  EXPECT_NEAR(prediction.outputs(1), -4.0, 0.1);
  EXPECT_EQ(prediction.classes_size(), 0);

  // Inputs without the model's feature are INVALID_ARGUMENT.
  grpc::ClientContext bad_context;
  v1::PredictRequest bad;
  bad.set_job_id(job.id());
  (*bad.mutable_inputs())["z"].add_values(1);
  EXPECT_EQ(stub_->Predict(&bad_context, bad, &prediction).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TrainingServiceTest, BadCsvIsInvalidArgumentWithTheLine) {
  v1::Dataset dataset;
  grpc::Status status = Upload({"x,y\n1,2\n3,abc\n"}, &dataset);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("line 3"), std::string::npos)
      << status.error_message();
  // Training on an id that was never uploaded names the field.
  v1::JobSpec spec = MoonsLogistic();
  spec.mutable_data()->set_dataset_id("ds-nope");
  v1::Job job;
  grpc::Status created = Create(spec, &job);
  EXPECT_EQ(created.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(created.error_message().rfind("spec.data.dataset_id", 0), 0u)
      << created.error_message();
}

TEST_F(TrainingServiceTest, ClassifierPredictionsAndMlpParameters) {
  v1::JobSpec spec = MoonsLogistic(30, 400);
  auto* mlp = spec.mutable_model()->mutable_mlp();
  for (uint32_t size : {2u, 8u, 1u}) mlp->add_layer_sizes(size);
  // A one-output MLP is a regressor unless its loss makes it a classifier.
  spec.set_loss(v1::LOSS_BINARY_CROSS_ENTROPY);
  spec.mutable_optimizer()->set_learning_rate(0.02);
  std::vector<v1::JobEvent> events;
  ASSERT_TRUE(Train(spec, &events).ok());
  const v1::Job& job = events.back().finished();
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.message();

  grpc::ClientContext model_context;
  v1::GetModelRequest model_request;
  model_request.set_job_id(job.id());
  v1::Model model;
  ASSERT_TRUE(stub_->GetModel(&model_context, model_request, &model).ok());
  const v1::Tensor& w1 = model.parameters().at("layer1.weight");
  ASSERT_EQ(w1.shape_size(), 2);
  EXPECT_EQ(w1.shape(0), 8u);
  EXPECT_EQ(w1.shape(1), 2u);
  EXPECT_EQ(w1.values_size(), 16);
  EXPECT_EQ(model.parameters().at("layer2.bias").values_size(), 1);

  grpc::ClientContext context;
  v1::PredictRequest predict;
  predict.set_job_id(job.id());
  (*predict.mutable_inputs())["x1"].add_values(0.0);
  (*predict.mutable_inputs())["x2"].add_values(0.5);
  v1::PredictResponse prediction;
  ASSERT_TRUE(stub_->Predict(&context, predict, &prediction).ok());
  ASSERT_EQ(prediction.rows(), 1u);
  ASSERT_EQ(prediction.classes_size(), 1);
  EXPECT_GE(prediction.outputs(0), 0.0);
  EXPECT_LE(prediction.outputs(0), 1.0);
  EXPECT_EQ(prediction.classes(0), prediction.outputs(0) >= 0.5 ? 1u : 0u);
}

TEST_F(TrainingServiceTest, TwentyWatchersSeeTheSameStream) {
  v1::JobSpec spec = LongJob();
  spec.set_epochs(20);
  spec.mutable_data()->mutable_generated()->set_n(1000);
  v1::Job job = MustCreate(spec);
  constexpr int kWatchers = 20;
  std::vector<std::vector<v1::JobEvent>> streams(kWatchers);
  std::vector<grpc::Status> statuses(kWatchers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWatchers; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = Watch(job.id(), 0, &streams[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kWatchers; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    ExpectCompleteStream(streams[i], job.id(), 1);
    ASSERT_EQ(streams[i].size(), streams[0].size());
    EXPECT_EQ(streams[i].back().SerializeAsString(),
              streams[0].back().SerializeAsString());
  }
  EXPECT_EQ(streams[0].back().finished().state(), v1::JOB_STATE_SUCCEEDED);
}

// Clients on their own threads create jobs, watch them, list, cancel every
// other one and delete them, all at once: every stream is still complete and
// every job ends in the state its client asked for. Run under
// scripts/tsan.sh, this is the data-race check of the job system over RPC.
TEST_F(TrainingServiceTest, ConcurrentClientsCreateWatchCancelAndDelete) {
  constexpr int kClients = 6;
  constexpr int kWatchersPerJob = 3;
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const bool cancel = c % 2 == 1;
      v1::JobSpec spec = cancel ? LongJob() : MoonsLogistic(10, 200);
      spec.set_seed(c + 1);
      v1::Job job;
      if (!Create(spec, &job).ok()) {
        ++failures;
        return;
      }
      std::vector<std::vector<v1::JobEvent>> streams(kWatchersPerJob);
      std::vector<grpc::Status> statuses(kWatchersPerJob);
      std::vector<std::thread> watchers;
      for (int w = 0; w < kWatchersPerJob; ++w) {
        watchers.emplace_back(
            [&, w] { statuses[w] = Watch(job.id(), 0, &streams[w]); });
      }
      grpc::ClientContext list_context;
      v1::ListJobsRequest list;
      v1::ListJobsResponse listed;
      EXPECT_TRUE(stub_->ListJobs(&list_context, list, &listed).ok());
      if (cancel) {
        v1::Job cancelled;
        EXPECT_TRUE(Cancel(job.id(), &cancelled).ok());
      }
      for (auto& t : watchers) t.join();
      const v1::JobState expected =
          cancel ? v1::JOB_STATE_CANCELLED : v1::JOB_STATE_SUCCEEDED;
      for (int w = 0; w < kWatchersPerJob; ++w) {
        EXPECT_TRUE(statuses[w].ok()) << statuses[w].error_message();
        ExpectCompleteStream(streams[w], job.id(), 1);
        if (streams[w].empty()) continue;
        EXPECT_EQ(streams[w].back().finished().state(), expected)
            << streams[w].back().ShortDebugString();
      }
      EXPECT_TRUE(Delete(job.id()).ok());
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(TrainingServiceTest, ServerShutdownEndsWatchStreams) {
  v1::Job job = MustCreate(LongJob());
  WaitFor(job.id(), [](const v1::Job& j) {
    return j.state() == v1::JOB_STATE_RUNNING;
  });
  std::vector<v1::JobEvent> events;
  grpc::Status status;
  std::thread watcher([&] { status = Watch(job.id(), 0, &events); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = Clock::now();
  server_.server().Shutdown(absl::Seconds(10));
  watcher.join();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3) * kTimingSlack);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(events.back().has_finished());
  EXPECT_EQ(events.back().finished().state(), v1::JOB_STATE_CANCELLED);
}

TEST_F(TrainingServiceTest, ServerInfoListsTrainingAsAFeature) {
  auto info_stub = v1::InfoService::NewStub(server_.channel());
  grpc::ClientContext context;
  v1::ServerInfo info;
  ASSERT_TRUE(info_stub->GetServerInfo(&context, {}, &info).ok());
  std::set<std::string> features(info.features().begin(),
                                 info.features().end());
  EXPECT_TRUE(features.count("training"));
}

}  // namespace
}  // namespace slope::rpc
