"use client";
import { useMutation } from "@tanstack/react-query";
import { Upload } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Field } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";
import { count } from "./format";

/** Mirrors MAX_UPLOAD_BYTES on the server, so a person is told before the upload starts. */
const MAX_BYTES = 10 * 1024 * 1024;
const FIELDS = ["file", "contentBase64", "fileName"] as const;

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? reader.result : "";
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(new Error("The file could not be read."));
    reader.readAsDataURL(file);
  });
}

/** R-X-1 upload by hand, for domains whose rua still points at another inbox: the same reader as mailed reports. */
export function UploadReportButton({ onStored }: { onStored: (domain: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        <Upload className="size-4" aria-hidden />
        Upload a report
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Upload a DMARC report"
        description="An aggregate report as receivers send it: .xml, .xml.gz or .zip, up to 10 MB. A report already stored is recognised and not stored twice."
      >
        <UploadForm onStored={onStored} />
      </Dialog>
    </>
  );
}

function UploadForm({ onStored }: { onStored: (domain: string) => Promise<void> }) {
  const trpc = useTRPC();
  const upload = useMutation(trpc.dmarcReports.upload.mutationOptions());
  const [file, setFile] = useState<File | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const errors = formErrorsOf(upload.error, FIELDS);
  const fieldError = localError ?? errors.fields.file ?? errors.fields.contentBase64 ?? errors.fields.fileName;

  async function submit(e: FormEvent) {
    e.preventDefault();
    upload.reset();
    setLocalError(null);
    if (!file) return setLocalError("Choose a report file.");
    if (file.size > MAX_BYTES) return setLocalError(`The file is larger than 10 MB (${count(Math.round(file.size / 1024 / 1024))} MB).`);
    setReading(true);
    let contentBase64: string;
    try {
      contentBase64 = await readBase64(file);
    } finally {
      setReading(false);
    }
    const result = await upload.mutateAsync({ fileName: file.name, contentBase64 });
    await onStored(result.domain);
  }

  const busy = reading || upload.isPending;
  const done = upload.data;
  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4" aria-label="Upload a report">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <Field label="Report file" error={fieldError}>
        {(p) => (
          <input
            {...p}
            type="file"
            name="file"
            accept=".xml,.gz,.zip,.xml.gz,application/xml,text/xml,application/gzip,application/zip"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setLocalError(null);
              upload.reset();
            }}
            className={`${p.className} file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1 file:text-sm file:font-medium file:text-slate-700`}
          />
        )}
      </Field>
      {done?.status === "stored" ? (
        <Alert tone="success">
          Stored: report {done.reportId} from {done.orgName} for {done.domain}, {count(done.recordCount)} {done.recordCount === 1 ? "record" : "records"} covering{" "}
          {count(done.messageCount)} {done.messageCount === 1 ? "message" : "messages"}.
        </Alert>
      ) : null}
      {done?.status === "duplicate" ? (
        <Alert tone="info">
          Already stored: report {done.reportId} from {done.orgName} for {done.domain} was received before. Nothing changed.
        </Alert>
      ) : null}
      <div className="flex justify-end">
        <Button type="submit" disabled={busy}>
          <Upload className="size-4" aria-hidden />
          {reading ? "Reading the file…" : upload.isPending ? "Uploading…" : "Upload"}
        </Button>
      </div>
    </form>
  );
}
