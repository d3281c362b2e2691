#!/usr/bin/env python3
"""Tests of tests/tsan_triage.py on reports cut down from real TSan logs:
what it dismisses as gRPC's own, and what it must keep failing on."""
import pathlib
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import tsan_triage  # noqa: E402

GRPC_CALLBACK = """\
    #9 grpc::internal::CallbackWithSuccessTag::Run(bool) /usr/include/grpcpp/support/callback_common.h:212 (rpc_test+0xa10e2)
    #10 <null> <null> (libgrpc++.so.1.51+0x897ba)
"""

# A reactor allocated by a handler and first used in a callback that gRPC
# runs on another thread: gRPC handed it over without TSan seeing how.
HANDOFF = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Atomic read of size 1 at 0x7b48000480c0 by thread T10:
    #0 __tsan_mutex_post_lock ../../../../src/libsanitizer/tsan/tsan_interface_ann.cpp:377 (libtsan.so.2+0x70f08)
    #1 absl::debian3::Mutex::Lock() /build/abseil/absl/synchronization/mutex.cc:1485 (libabsl_synchronization.so.20220623+0xd349)
    #2 slope::rpc::JobWatchReactor::OnWriteDone(bool) /src/server/rpc/training_watch.cc:74 (rpc_test+0xe118a)
""" + GRPC_CALLBACK + """
  Previous write of size 8 at 0x7b48000480c0 by thread T8:
    #0 operator new(unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:64 (libtsan.so.2+0x87323)
    #1 slope::rpc::TrainingService::Train(grpc::CallbackServerContext*, slope::v1::TrainRequest const*) /src/server/rpc/training_service.cc:190 (rpc_test+0xb7ab9)

  Location is heap block of size 352 at 0x7b4800048000 allocated by thread T8:
    #0 operator new(unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:64 (libtsan.so.2+0x87323)
    #1 slope::rpc::TrainingService::Train(grpc::CallbackServerContext*, slope::v1::TrainRequest const*) /src/server/rpc/training_service.cc:190 (rpc_test+0xb7ab9)

SUMMARY: ThreadSanitizer: data race /build/abseil/absl/synchronization/mutex.cc:1485 in absl::debian3::Mutex::Lock()
"""

# The reactor's first write, started in its constructor, serialised by gRPC
# when it bound the reactor; we rewrite the message after OnWriteDone.
SERIALIZE = """\
    #1 slope::v1::JobEvent::_InternalSerialize(unsigned char*, google::protobuf::io::EpsCopyOutputStream*) const /src/build/proto/gen/slope/v1/training.pb.cc:8110 (rpc_test+0x2dbd5f)
    #2 grpc::SerializationTraits<slope::v1::JobEvent, void>::Serialize(google::protobuf::MessageLite const&, grpc::ByteBuffer*, bool*) /usr/include/grpcpp/impl/codegen/proto_utils.h:109 (rpc_test+0xd5c7c)
    #3 grpc::internal::Call::PerformOps(grpc::internal::CallOpSetInterface*) /usr/include/grpcpp/impl/call.h:67 (rpc_test+0xbe63b)
"""
REUSE = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 4 at 0x7b4800001948 by thread T13 (mutexes: write M597):
    #0 slope::v1::JobEvent::_internal_set_sequence(unsigned int) /src/build/proto/gen/slope/v1/training.pb.h:10852 (rpc_test+0x1)
    #1 slope::rpc::JobEventToProto(slope::jobs::JobEvent const&, std::string const&, unsigned int, slope::v1::JobEvent*) /src/server/rpc/training_convert.cc:90 (rpc_test+0x2)
    #2 slope::rpc::JobWatchReactor::PumpLocked() /src/server/rpc/training_watch.cc:72 (rpc_test+0xe00ef)
"""
BIND_TIME_WRITE = REUSE + GRPC_CALLBACK + """
  Previous read of size 4 at 0x7b4800001948 by thread T12 (mutexes: write M596):
    #0 slope::v1::JobEvent::_internal_sequence() const /src/build/proto/gen/slope/v1/training.pb.h:10845 (rpc_test+0x3)
""" + SERIALIZE + """\
    #4 grpc::ServerWriteReactor<slope::v1::JobEvent>::InternalBindWriter(grpc::ServerCallbackWriter<slope::v1::JobEvent>*) /usr/include/grpcpp/support/server_callback.h:674 (rpc_test+0xc0812)
    #5 grpc::ServerCallbackWriter<slope::v1::JobEvent>::BindReactor(grpc::ServerWriteReactor<slope::v1::JobEvent>*) /usr/include/grpcpp/support/server_callback.h:234 (rpc_test+0xd3b58)

SUMMARY: ThreadSanitizer: data race /src/build/proto/gen/slope/v1/training.pb.h:10852 in _internal_set_sequence
"""

# The same rewrite racing with a write our own StartWrite serialised: the
# message was reused before its write was done.
REUSED_TOO_EARLY = REUSE + """
  Previous read of size 4 at 0x7b4800001948 by thread T14:
    #0 slope::v1::JobEvent::_internal_sequence() const /src/build/proto/gen/slope/v1/training.pb.h:10845 (rpc_test+0x3)
""" + SERIALIZE + """\
    #4 grpc::ServerWriteReactor<slope::v1::JobEvent>::StartWrite(slope::v1::JobEvent const*) /usr/include/grpcpp/support/server_callback.h:600 (rpc_test+0xc0900)
    #5 slope::rpc::JobWatchReactor::PumpLocked() /src/server/rpc/training_watch.cc:76 (rpc_test+0xe0100)

SUMMARY: ThreadSanitizer: data race /src/build/proto/gen/slope/v1/training.pb.h:10852 in _internal_set_sequence
"""

# OnCancel, run by libgrpc++ from inside the library, then OnDone deleting
# the reactor: gRPC orders the two where TSan cannot see it.
CANCEL = """
  Previous read of size 1 at 0x7b480002b32a by thread T21 (mutexes: write M8):
    #0 slope::rpc::JobWatchReactor::FinishLocked(grpc::Status const&) /src/server/rpc/training_watch.cc:83 (rpc_test+0xdf611)
    #1 slope::rpc::JobWatchReactor::OnCancel() /src/server/rpc/training_watch.cc:103 (rpc_test+0xdfff0)
    #2 <null> <null> (libgrpc++.so.1.51+0xa2511)
"""
DELETED_AFTER_CANCEL = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 8 at 0x7b480002b328 by thread T23:
    #0 operator delete(void*, unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:150 (libtsan.so.2+0x86c3d)
    #1 slope::rpc::JobWatchReactor::~JobWatchReactor() /src/server/rpc/training_watch.h:62 (rpc_test+0xe1eb9)
    #2 slope::rpc::JobWatchReactor::OnDone() /src/server/rpc/training_watch.cc:110 (rpc_test+0xe1eb9)
""" + GRPC_CALLBACK + CANCEL + """
SUMMARY: ThreadSanitizer: data race ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:150 in operator delete(void*, unsigned long)
"""

# Our pump racing with OnCancel on the reactor's state: not a destruction,
# so it counts.
PUMP_AGAINST_CANCEL = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 1 at 0x7b480002b32a by thread T5:
    #0 slope::rpc::JobWatchReactor::PumpLocked() /src/server/rpc/training_watch.cc:75 (rpc_test+0x1)
    #1 slope::jobs::ComputePool::WorkerMain() /src/server/jobs/compute_pool.cc:110 (rpc_test+0x2)
""" + CANCEL + """
SUMMARY: ThreadSanitizer: data race /src/server/rpc/training_watch.cc:75 in PumpLocked
"""

# gRPC parsing a request (protobuf, on behalf of gRPC) on two of its threads.
INSIDE_GRPC = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 8 at 0x7b0c0000c8a0 by thread T9:
    #0 memcpy ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:827 (libtsan.so.2+0x5dda6)
    #1 std::__cxx11::basic_string<char>::_M_replace(unsigned long, unsigned long, char const*, unsigned long) <null> (libstdc++.so.6+0x140c84)
    #2 bool google::protobuf::internal::MergeFromImpl<false>(google::protobuf::io::ZeroCopyInputStream*, google::protobuf::MessageLite*, google::protobuf::MessageLite::ParseFlags) <null> (libprotobuf.so.32+0x121b9d)
""" + GRPC_CALLBACK + """
  Previous write of size 8 at 0x7b0c0000c8a0 by thread T28:
    #0 operator new(unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:64 (libtsan.so.2+0x87323)
    #1 std::__cxx11::basic_string<char>::_M_mutate(unsigned long, unsigned long, char const*, unsigned long) <null> (libstdc++.so.6+0x13fcdd)
    #2 bool google::protobuf::internal::MergeFromImpl<false>(google::protobuf::io::ZeroCopyInputStream*, google::protobuf::MessageLite*, google::protobuf::MessageLite::ParseFlags) <null> (libprotobuf.so.32+0x121b9d)
""" + GRPC_CALLBACK + """
SUMMARY: ThreadSanitizer: data race (/lib/x86_64-linux-gnu/libstdc++.so.6+0x140c84) in _M_replace
"""

# Our own race: two of our threads, no gRPC anywhere.
OURS = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 4 at 0x7b0400000010 by thread T3:
    #0 slope::jobs::JobWatchReactor::Wake() /src/server/rpc/training_watch.cc:30 (rpc_test+0x1)
    #1 slope::jobs::EventLog::Append(slope::jobs::JobEvent) /src/server/jobs/event_log.cc:100 (rpc_test+0x2)

  Previous read of size 4 at 0x7b0400000010 by thread T4:
    #0 slope::jobs::JobWatchReactor::PumpLocked() /src/server/rpc/training_watch.cc:40 (rpc_test+0x3)
""" + GRPC_CALLBACK + """
SUMMARY: ThreadSanitizer: data race /src/server/rpc/training_watch.cc:30 in Wake
"""

# First use on a thread of ours (not a gRPC callback) of an object
# allocated elsewhere: whoever published it did so without synchronisation.
UNPUBLISHED = """\
WARNING: ThreadSanitizer: data race (pid=1)
  Read of size 8 at 0x7b4800001800 by thread T5:
    #0 slope::jobs::JobRegistry::RunJob(std::shared_ptr<slope::jobs::JobRegistry::Job> const&) /src/server/jobs/job_registry.cc:390 (jobs_test+0x1)
    #1 slope::jobs::ComputePool::WorkerMain() /src/server/jobs/compute_pool.cc:110 (jobs_test+0x2)

  Previous write of size 8 at 0x7b4800001800 by main thread:
    #0 operator new(unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:64 (libtsan.so.2+0x87323)
    #1 slope::jobs::JobRegistry::Submit() /src/server/jobs/job_registry.cc:180 (jobs_test+0x3)

SUMMARY: ThreadSanitizer: data race /src/server/jobs/job_registry.cc:390 in RunJob
"""

INVERSION = """\
WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=1)
  Cycle in lock order graph: M1 (0x7b0400000010) => M2 (0x7b0400000020) => M1

  Mutex M2 acquired here while holding mutex M1 in thread T1:
    #0 pthread_mutex_lock ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:4324 (libtsan.so.2+0x1)
    #1 slope::jobs::JobRegistry::Retire() /src/server/jobs/job_registry.cc:448 (jobs_test+0x1)

SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) /src/server/jobs/job_registry.cc:448 in Retire
"""


def kept(report):
    m = tsan_triage.REPORT.search(report)
    assert m, "the fixture is not a whole report"
    return tsan_triage.counts(m["kind"], m["body"])


class TriageTest(unittest.TestCase):
    def test_dismisses_a_reactor_handed_over_inside_grpc(self):
        self.assertFalse(kept(HANDOFF))

    def test_dismisses_protobuf_parsing_on_grpcs_threads(self):
        self.assertFalse(kept(INSIDE_GRPC))

    def test_dismisses_reusing_a_write_grpc_sent_when_binding(self):
        self.assertFalse(kept(BIND_TIME_WRITE))

    def test_keeps_a_message_reused_while_our_write_sends_it(self):
        self.assertTrue(kept(REUSED_TOO_EARLY))

    def test_dismisses_a_reactor_deleted_after_its_on_cancel(self):
        self.assertFalse(kept(DELETED_AFTER_CANCEL))

    def test_keeps_other_races_with_on_cancel(self):
        self.assertTrue(kept(PUMP_AGAINST_CANCEL))

    def test_keeps_a_race_in_our_code(self):
        self.assertTrue(kept(OURS))

    def test_keeps_an_object_used_unpublished_outside_grpc(self):
        self.assertTrue(kept(UNPUBLISHED))

    def test_keeps_every_report_that_is_not_a_data_race(self):
        self.assertTrue(kept(INVERSION))

    def test_exit_status_says_whether_anything_counted(self):
        with tempfile.TemporaryDirectory() as logs:
            log = pathlib.Path(logs) / "tsan.1"
            script = pathlib.Path(tsan_triage.__file__)
            log.write_text(HANDOFF + INSIDE_GRPC)
            quiet = subprocess.run([sys.executable, script, logs],
                                   capture_output=True, text=True)
            self.assertEqual(quiet.returncode, 0, quiet.stdout)
            self.assertIn("2 reports", quiet.stdout)
            log.write_text(HANDOFF + OURS)
            loud = subprocess.run([sys.executable, script, logs],
                                  capture_output=True, text=True)
            self.assertEqual(loud.returncode, 1)
            self.assertIn("training_watch.cc:30", loud.stdout)
            self.assertIn("1 involving Slope", loud.stdout)


if __name__ == "__main__":
    unittest.main()
