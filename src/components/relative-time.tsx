import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useNow } from "@/hooks/use-now";
import { formatDateTime, formatRelativeTime } from "@/lib/format";
import { useI18n } from "@/lib/i18n/i18n-context";
import { cn } from "@/lib/utils";

/** "il y a 5 minutes", with the exact date and time on hover or keyboard focus. */
export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  const { locale } = useI18n();
  const now = useNow(30_000);
  const exact = formatDateTime(iso, locale);
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <time
          dateTime={iso}
          tabIndex={0}
          data-exact={exact}
          className={cn(
            "cursor-help rounded-sm underline decoration-dotted decoration-muted-foreground/60 underline-offset-4 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
            className,
          )}
        >
          {formatRelativeTime(iso, now, locale)}
        </time>
      </TooltipTrigger>
      <TooltipContent>{exact}</TooltipContent>
    </Tooltip>
  );
}
