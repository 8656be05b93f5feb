"""The background process of a large import: `python -m tracker.imports.worker JOB_ID
check|import`. Started by the upload page; reports progress and its outcome in the job's
row (see tracker.imports.jobs). Its peak memory is printed to standard error, which it
shares with the web process that started it."""
import argparse
import resource
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.imports.worker")
    parser.add_argument("job_id", type=int)
    parser.add_argument("mode", choices=("check", "import"))
    args = parser.parse_args(argv)

    from tracker import create_app
    from tracker.imports import jobs

    app = create_app()
    with app.app_context():
        job = jobs.run(args.job_id, args.mode)
        state = job.state if job is not None else "discarded"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"import job {args.job_id} {args.mode}: {state}, peak memory {peak} MB",
          file=sys.stderr, flush=True)
    return 0 if state in ("checked", "imported") else 1


if __name__ == "__main__":
    sys.exit(main())
