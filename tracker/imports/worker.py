"""The background process of a large import: `python -m tracker.imports.worker FILE_ID
check|import --jobs-dir DIR`. Started by the upload page; reports progress and its outcome
in the job file (see tracker.imports.jobs). Peak memory is printed to its log."""
import argparse
import resource
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.imports.worker")
    parser.add_argument("file_id", type=int)
    parser.add_argument("mode", choices=("check", "import"))
    parser.add_argument("--jobs-dir", required=True)
    args = parser.parse_args(argv)

    from tracker import create_app
    from tracker.imports import jobs

    app = create_app()
    app.config["TRACKER_IMPORT_JOBS_DIR"] = args.jobs_dir
    with app.app_context():
        job = jobs.run(args.file_id, args.mode)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"import job {args.file_id} {args.mode}: {job.get('state')}, peak memory {peak} MB",
          flush=True)
    return 0 if job.get("state") != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
