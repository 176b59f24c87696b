#!/usr/bin/env bash
# Nightly backup with retention: every night for 14 days, the 1st of each month for 12 months.
# Run by qlcn-backup.service, or from cron (deploy/cron.example). Copy the directory off the
# server too (another machine, an encrypted disk): a backup on the same disk is no backup.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BACKUP_DIR:-/var/backups/qlcn}"
keep_daily="${KEEP_DAILY_DAYS:-14}"
keep_monthly="${KEEP_MONTHLY_DAYS:-366}"
umask 077
mkdir -p "$dir"

file="$dir/qlcn-$(date +%Y-%m-%d).tar.gz"
${FLASK:-.venv/bin/flask --app wsgi} backup "$file"

# Daily files older than two weeks go, except those made on the 1st (kept for a year).
find "$dir" -maxdepth 1 -name 'qlcn-????-??-??.tar.gz' ! -name 'qlcn-????-??-01.tar.gz' \
     -mtime +"$keep_daily" -delete
find "$dir" -maxdepth 1 -name 'qlcn-????-??-01.tar.gz' -mtime +"$keep_monthly" -delete
