// One line: the crash title if the guest crashed, else hang/stall alerts, else calm.
import { Box, Text } from 'ink';

export function AlertsLine({ crashTitle, alerts, width }: { crashTitle?: string; alerts: string[]; width: number }) {
	const more = crashTitle ? alerts.filter((a) => a !== crashTitle).length : 0;
	return (
		<Box width={width}>
			{crashTitle ? (
				<Text color="red" bold wrap="truncate-end">{`! ${crashTitle}${more ? ` (+${more})` : ''}`}</Text>
			) : alerts.length ? (
				<Text color="yellow" wrap="truncate-end">{`! ${alerts.join('; ')}`}</Text>
			) : (
				<Text dimColor wrap="truncate-end">
					no alerts
				</Text>
			)}
		</Box>
	);
}
